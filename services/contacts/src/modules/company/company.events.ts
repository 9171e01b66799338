import {
  CompanyAssigned,
  CompanyCompletenessChanged,
  CompanyCreated,
  CompanyRiskFlagsChanged,
  CompanyUpdated,
  createEvent,
  eventMeta,
  type EventCause,
  type EventData,
  type Envelope,
} from '@crm/events';
import type { FieldChange } from '../shared/changes';
import type { CompanyDoc } from './company.model';

/** Why a change was made, and the segment of a segment assignment: carried by the events. */
export interface ChangeContext {
  reason?: EventData<typeof CompanyUpdated>['reason'];
  /** Overrides the actor taken from the cause (for instance `analytics` for its class). */
  actorId?: string;
  segmentId?: string;
}

const meta = (company: CompanyDoc, cause: EventCause, context: ChangeContext = {}) => {
  const base = eventMeta(cause, company._id.toString());
  return context.actorId ? { ...base, actorId: context.actorId } : base;
};

const completenessChanged = (company: CompanyDoc, cause: EventCause, context?: ChangeContext) =>
  createEvent(CompanyCompletenessChanged, meta(company, cause, context), { companyId: company._id.toString(), ...company.completeness });

const riskFlagsChanged = (company: CompanyDoc, cause: EventCause, context?: ChangeContext) =>
  createEvent(CompanyRiskFlagsChanged, meta(company, cause, context), { companyId: company._id.toString(), riskFlags: company.riskFlags });

/** A new company: CompanyCreated, its first completeness (deals gates concessions on it) and its risk flags when it has some. */
export function companyCreatedEvents(company: CompanyDoc, cause: EventCause, context?: ChangeContext): Envelope[] {
  const created = createEvent(CompanyCreated, meta(company, cause, context), {
    companyId: company._id.toString(),
    name: company.name,
    domain: company.domain ?? null,
    ownerId: company.ownerId ?? null,
    potential: company.potential ? { amount: company.potential.amount, currency: company.potential.currency } : null,
  });
  return [created, completenessChanged(company, cause, context), ...(company.riskFlags.length > 0 ? [riskFlagsChanged(company, cause, context)] : [])];
}

/** @deprecated use companyCreatedEvents (it also tells the company's first completeness). */
export const companyCreated = (company: CompanyDoc, cause: EventCause) => companyCreatedEvents(company, cause)[0]!;

/**
 * The events of one update: CompanyUpdated with every changed field, and beside it CompanyAssigned
 * (a new owner), CompanyRiskFlagsChanged and CompanyCompletenessChanged when those changed.
 */
export function companyUpdatedEvents(before: CompanyDoc, after: CompanyDoc, changes: FieldChange[], cause: EventCause, context: ChangeContext = {}): Envelope[] {
  const events: Envelope[] = [];
  const companyId = after._id.toString();
  const changed = (field: string) => changes.some((change) => change.field === field);
  if (changes.length > 0) events.push(createEvent(CompanyUpdated, meta(after, cause, context), { companyId, name: after.name, changes, ...(context.reason && { reason: context.reason }) }));
  if (changed('ownerId') && after.ownerId) {
    events.push(
      createEvent(CompanyAssigned, meta(after, cause, context), {
        companyId,
        ownerId: after.ownerId,
        previousOwnerId: before.ownerId ?? null,
        ...(context.segmentId && { segmentId: context.segmentId }),
      }),
    );
  }
  if (changed('riskFlags')) events.push(riskFlagsChanged(after, cause, context));
  if (before.completeness?.percent !== after.completeness.percent || JSON.stringify(before.completeness?.missing) !== JSON.stringify(after.completeness.missing)) {
    events.push(completenessChanged(after, cause, context));
  }
  return events;
}
