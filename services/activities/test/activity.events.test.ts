import { ActivityCompleted, ActivityCreated, ActivityUpdated } from '@crm/events';
import { Types } from 'mongoose';
import { activityCompleted, activityCreated, activityUpdated } from '../src/modules/activity/activity.events';
import type { ActivityDoc } from '../src/modules/activity/activity.model';

const meeting = {
  _id: new Types.ObjectId(),
  tenantId: 't1',
  kind: 'MEETING',
  subject: 'Site visit',
  status: 'DONE',
  assigneeId: 'anna',
  contactIds: [],
  userIds: [],
  place: 'ON_SITE',
  startAt: new Date('2030-05-01T09:00:00.000Z'),
  endAt: new Date('2030-05-01T11:00:00.000Z'),
  reminders: [],
  attendeeIds: ['anna'],
  completedAt: new Date('2030-05-01T11:05:00.000Z'),
} as unknown as ActivityDoc;
const cause = { tenantId: 't1', userId: 'anna' };

/** The fields an event builder hands to `def`'s schema that the schema does not define (zod would drop them unseen). */
function undefinedFields(def: { data: unknown }, build: () => unknown): string[] {
  const schema = def.data as { parse: (data: unknown) => unknown; shape: Record<string, unknown> };
  const parse = jest.spyOn(schema, 'parse');
  try {
    build();
    return Object.keys(parse.mock.calls[0]![0] as object).filter((field) => !(field in schema.shape));
  } finally {
    parse.mockRestore();
  }
}

describe('activity events', () => {
  it('hands each event\'s schema only the fields it defines (ActivityCompleted has no end), and keeps the end where it is defined', () => {
    expect(undefinedFields(ActivityCompleted, () => activityCompleted(meeting, cause))).toEqual([]);
    expect(undefinedFields(ActivityCreated, () => activityCreated(meeting, cause))).toEqual([]);
    expect(undefinedFields(ActivityUpdated, () => activityUpdated(meeting, [{ field: 'subject', from: 'Visit', to: 'Site visit' }], cause))).toEqual([]);
    expect(activityCreated(meeting, cause).data.endAt).toBe('2030-05-01T11:00:00.000Z');
    expect(activityUpdated(meeting, [{ field: 'subject', from: 'Visit', to: 'Site visit' }], cause).data.endAt).toBe('2030-05-01T11:00:00.000Z');
  });
});
