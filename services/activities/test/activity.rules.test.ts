import { isOverdue, stageTaskDueAt, stageTaskSubject } from '../src/modules/activity/activity.rules';

describe('activity rules', () => {
  const now = new Date('2030-05-01T12:00:00.000Z');

  it.each([
    ['PLANNED', '2030-05-01T11:59:59.000Z', true],
    ['PLANNED', '2030-05-01T12:00:01.000Z', false],
    ['PLANNED', null, false],
    ['DONE', '2030-04-01T00:00:00.000Z', false],
    ['CANCELLED', '2030-04-01T00:00:00.000Z', false],
  ] as const)('a %s activity due %s is overdue: %s', (status, dueAt, expected) => {
    expect(isOverdue({ status, dueAt: dueAt ? new Date(dueAt) : null }, now)).toBe(expected);
  });

  it('names the stage task after the stage and the deal, due a day after entering the stage', () => {
    expect(stageTaskSubject('Negotiation', 'Acme renewal')).toBe('Stage Negotiation: Acme renewal');
    expect(stageTaskDueAt(new Date('2030-02-28T23:30:00.000Z')).toISOString()).toBe('2030-03-01T23:30:00.000Z');
  });
});
