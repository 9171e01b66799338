import { ActivityCreated, createEvent, type EventMeta } from '@crm/events';
import type { ActivityDoc } from './activity.model';

/** Shared by the mutation (meta from the request) and the consumer (meta from the causing event). */
export const activityCreated = (activity: ActivityDoc, meta: Pick<EventMeta, 'correlationId' | 'causationId' | 'actorId'>) =>
  createEvent(
    ActivityCreated,
    { tenantId: activity.tenantId, aggregateId: activity._id.toString(), ...meta },
    {
      activityId: activity._id.toString(),
      kind: activity.kind,
      subject: activity.subject,
      status: activity.status,
      dueAt: activity.dueAt?.toISOString() ?? null,
      assigneeId: activity.assigneeId,
      dealId: activity.dealId ?? null,
      companyId: null,
    },
  );
