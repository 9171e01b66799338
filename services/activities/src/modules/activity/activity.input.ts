import { dateTimeInput, idInput, userIdInput } from '@crm/service-kit';
import { z } from 'zod';
import { activityKinds, meetingPlaces } from './activity.model';

/** The people an activity concerns: a meeting's participants, a call's other end. */
export const MAX_ACTIVITY_CONTACTS = 20;
export const MAX_ACTIVITY_USERS = 20;
/** Reminders per activity, and how far ahead one may be: four weeks. */
export const MAX_REMINDERS = 5;
export const MAX_REMINDER_MINUTES = 40_320;
export const MAX_OUTCOME_LENGTH = 2000;

// The DateTime scalar passes the client's string through; it becomes a Date here.
const optionalDate = (field: string) => dateTimeInput(field).nullish().transform((value) => value ?? null);
const optionalText = (max: number) => z.string().trim().max(max, `at most ${max} characters`).nullish().transform((value) => value || null);
const optionalId = (field: string) => idInput(field).nullish().transform((value) => value ?? null);

const documentInput = z.object({
  title: z.string().trim().min(1, 'title must not be empty').max(300),
  version: optionalText(50),
  sentAt: optionalDate('sentAt'),
  replyReceivedAt: optionalDate('replyReceivedAt'),
  replySummary: optionalText(MAX_OUTCOME_LENGTH),
});

const reminders = z
  .array(z.number().int('reminders are whole minutes').min(0).max(MAX_REMINDER_MINUTES, `a reminder is at most ${MAX_REMINDER_MINUTES} minutes before`))
  .max(MAX_REMINDERS, `at most ${MAX_REMINDERS} reminders`)
  .nullish()
  .transform((values) => [...new Set(values ?? [])].sort((a, b) => b - a));

/** The fields a planned activity may change (kind and campaign are fixed once it exists). */
const editable = {
  subject: z.string().trim().min(1, 'subject must not be empty').max(300),
  dueAt: optionalDate('dueAt'),
  startAt: optionalDate('startAt'),
  endAt: optionalDate('endAt'),
  dealId: optionalId('dealId'),
  assigneeId: userIdInput('assigneeId').nullish(),
  companyId: optionalId('companyId'),
  contactIds: z
    .array(idInput('contactIds'))
    .max(MAX_ACTIVITY_CONTACTS, `at most ${MAX_ACTIVITY_CONTACTS} contacts`)
    .nullish()
    .transform((ids) => [...new Set(ids ?? [])]),
  userIds: z
    .array(userIdInput('userIds'))
    .max(MAX_ACTIVITY_USERS, `at most ${MAX_ACTIVITY_USERS} users`)
    .nullish()
    .transform((ids) => [...new Set(ids ?? [])]),
  place: z.enum(meetingPlaces).nullish().transform((value) => value ?? null),
  document: documentInput.nullish().transform((value) => value ?? null),
  outcome: optionalText(MAX_OUTCOME_LENGTH),
  teamId: userIdInput('teamId').nullish().transform((value) => value ?? null),
  reminders,
};

export const createActivityInput = z.object({
  kind: z.enum(activityKinds),
  ...editable,
  campaignId: optionalId('campaignId'),
});

/** Only the fields the client sent change: an absent key keeps the stored value, null clears it. */
export const updateActivityInput = z.object(editable).partial();

export const completeActivityArgs = z.object({
  outcome: optionalText(MAX_OUTCOME_LENGTH),
  durationMinutes: z.number().min(0).max(MAX_REMINDER_MINUTES, 'durationMinutes is at most four weeks').nullish().transform((v) => v ?? null),
  response: z.boolean().nullish().transform((v) => v ?? null),
});

export const cancelActivityArgs = z.object({ reason: optionalText(MAX_OUTCOME_LENGTH) });
