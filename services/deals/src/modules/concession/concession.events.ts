import { ConcessionDecided, ConcessionRequested, createEvent, eventMeta, type EventCause } from '@crm/events';
import type { ConcessionDoc } from './concession.model';

const fieldsOf = (request: ConcessionDoc) => ({
  concessionId: request._id.toString(),
  dealId: request.dealId.toString(),
  companyId: request.companyId,
  kind: request.kind,
  discountPercent: request.discountPercent,
  creditDays: request.creditDays,
});

export const concessionRequested = (request: ConcessionDoc, cause: EventCause) =>
  createEvent(ConcessionRequested, eventMeta(cause, request._id.toString()), { ...fieldsOf(request), rationale: request.rationale, requestedBy: request.requestedBy });

/** `request` as it is after the decision. */
export const concessionDecided = (request: ConcessionDoc & { status: 'APPROVED' | 'REJECTED'; decidedBy: string; decisionRationale: string; decidedAt: Date }, cause: EventCause) =>
  createEvent(ConcessionDecided, eventMeta(cause, request._id.toString()), {
    ...fieldsOf(request),
    status: request.status,
    decidedBy: request.decidedBy,
    rationale: request.decisionRationale,
    decidedAt: request.decidedAt.toISOString(),
  });
