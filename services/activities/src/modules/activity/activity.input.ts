import { z } from 'zod';
import { activityKinds } from './activity.model';

export const createActivityInput = z.object({
  kind: z.enum(activityKinds),
  subject: z.string().trim().min(1, 'subject must not be empty').max(300),
  // The DateTime scalar passes the client's string through; it becomes a Date here.
  dueAt: z.iso
    .datetime({ offset: true, message: 'dueAt is not an ISO-8601 date and time' })
    .transform((value) => new Date(value))
    .nullish()
    .transform((value) => value ?? null),
  dealId: z.string().nullish().transform((value) => value ?? null),
  assigneeId: z.string().trim().min(1, 'assigneeId must not be empty').max(100).nullish(),
});
