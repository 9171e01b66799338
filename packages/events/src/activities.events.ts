import { z } from 'zod';
import { defineEvent } from './define';
import { topics } from './topics';

export const ActivityCreated = defineEvent({
  type: 'ActivityCreated',
  version: 1,
  source: 'activities',
  topic: topics.activity,
  aggregateType: 'Activity',
  data: z.object({
    activityId: z.string().min(1),
    kind: z.string().min(1),
    subject: z.string().min(1),
    status: z.enum(['PLANNED', 'DONE', 'CANCELLED']),
    dueAt: z.iso.datetime({ offset: true }).nullish(),
    assigneeId: z.string().min(1),
    dealId: z.string().nullish(),
    companyId: z.string().nullish(),
  }),
});
