// Pure rules: which claims a planned activity needs, when, under which deterministic ids; span and overdue rules.
import { Types } from 'mongoose';
import { calendarFields, followUpDueAt, isOverdue, keyStepDueAt } from '../src/modules/activity/activity.rules';
import { wantedClaims } from '../src/modules/reminder/reminder.rules';

const _id = new Types.ObjectId('665f1e2a8b3e4a0012a4b5e1');
const at = (iso: string) => new Date(iso);

describe('reminder rules', () => {
  it('counts reminders back from the start and marks the deadline at the end when there is no due time', () => {
    const meeting = { _id, status: 'PLANNED' as const, reminders: [60, 0], startAt: at('2030-01-01T10:00:00Z'), endAt: at('2030-01-01T11:00:00Z'), dueAt: null };
    expect(wantedClaims(meeting).map(({ _id: id, type, minutesBefore, fireAt }) => [id, type, minutesBefore, fireAt.toISOString()])).toEqual([
      [`${_id}:r60:${at('2030-01-01T09:00:00Z').getTime()}`, 'REMINDER', 60, '2030-01-01T09:00:00.000Z'],
      [`${_id}:r0:${at('2030-01-01T10:00:00Z').getTime()}`, 'REMINDER', 0, '2030-01-01T10:00:00.000Z'],
      [`${_id}:overdue:${at('2030-01-01T11:00:00Z').getTime()}`, 'OVERDUE', null, '2030-01-01T11:00:00.000Z'],
    ]);
  });

  it('gives a rescheduled activity new claims, and none to one no longer planned or undated', () => {
    const task = { _id, status: 'PLANNED' as const, reminders: [15], dueAt: at('2030-01-01T10:00:00Z'), startAt: null, endAt: null };
    const before = wantedClaims(task).map((claim) => claim._id);
    const after = wantedClaims({ ...task, dueAt: at('2030-01-02T10:00:00Z') }).map((claim) => claim._id);
    expect(before).toHaveLength(2);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    expect(wantedClaims({ ...task })).toEqual(wantedClaims(task));
    expect(wantedClaims({ ...task, status: 'DONE' })).toEqual([]);
    expect(wantedClaims({ ...task, status: 'CANCELLED' })).toEqual([]);
    expect(wantedClaims({ ...task, dueAt: null, reminders: [] })).toEqual([]);
  });

  it('derives the span, the attendees and overdue from the end when there is no due time', () => {
    expect(calendarFields({ startAt: null, endAt: null, dueAt: at('2030-01-01T10:00:00Z'), assigneeId: 'anna', userIds: ['bob', 'anna'] })).toEqual({
      spanStart: at('2030-01-01T10:00:00Z'), spanEnd: at('2030-01-01T10:00:00Z'), attendeeIds: ['anna', 'bob'],
    });
    const now = at('2030-01-01T12:00:00Z');
    expect(isOverdue({ status: 'PLANNED', dueAt: null, endAt: at('2030-01-01T11:00:00Z') }, now)).toBe(true);
    expect(isOverdue({ status: 'PLANNED', dueAt: null, endAt: at('2030-01-01T13:00:00Z') }, now)).toBe(false);
  });

  it('dates key steps by the stage duration (a day without one) and follow-ups by their days after the win', () => {
    expect(keyStepDueAt(at('2030-01-30T09:00:00Z'), 7).toISOString()).toBe('2030-02-06T09:00:00.000Z');
    expect(keyStepDueAt(at('2030-01-30T09:00:00Z'), null).toISOString()).toBe('2030-01-31T09:00:00.000Z');
    expect(followUpDueAt(at('2030-01-30T09:00:00Z'), 0).toISOString()).toBe('2030-01-30T09:00:00.000Z');
    expect(followUpDueAt(at('2030-01-30T09:00:00Z'), 30).toISOString()).toBe('2030-03-01T09:00:00.000Z');
  });
});
