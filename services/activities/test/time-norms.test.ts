import { DEFAULT_TIME_NORMS, operationKinds, topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { TimeNormsModel } from '../src/modules/time-norm/time-norm.model';
import { startActivities } from '../src/service';

const READ = `{ timeNorms { operation minutes isDefault } }`;
const SET = `mutation ($norms: [TimeNormInput!]!) { setTimeNorms(norms: $norms) { operation minutes isDefault } }`;

const service = serviceUnderTest('activities', startActivities);
const call = (identity: ReturnType<typeof testIdentity>, query: string, variables?: object) => subgraphRequest(service.url, identity, query, variables);
const defaults = operationKinds.map((operation) => ({ operation, minutes: DEFAULT_TIME_NORMS[operation], isDefault: true }));

describe('time norms', () => {
  it("are the domain file's defaults until a tenant sets its own", async () => {
    const rows = dataOf(await call(testIdentity(undefined, ['manager']), READ)).timeNorms;
    expect(rows).toEqual(defaults);
    expect(rows.find((row: any) => row.operation === 'MEETING_ON_SITE').minutes).toBe(180);
    expect(rows.find((row: any) => row.operation === 'MEETING_OFFICE').minutes).toBe(60);
    expect(rows.find((row: any) => row.operation === 'CALL').minutes).toBe(15);
    expect(rows.find((row: any) => row.operation === 'CONTRACT').minutes).toBe(60);
  });

  it('are set by heads of sales, merged into the table, per tenant, publishing the whole table', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const reader = await readTopics([topics.activitySettings]);
    try {
      dataOf(await call(head, SET, { norms: [{ operation: 'CALL', minutes: 20 }] }));
      const table = dataOf(await call(head, SET, { norms: [{ operation: 'DEMO', minutes: 45.5 }] })).setTimeNorms;
      const expected = defaults.map((row) =>
        row.operation === 'CALL' ? { operation: 'CALL', minutes: 20, isDefault: false } : row.operation === 'DEMO' ? { operation: 'DEMO', minutes: 45.5, isDefault: false } : row,
      );
      expect(table).toEqual(expected);
      expect(dataOf(await call(head, READ)).timeNorms).toEqual(expected);
      expect(dataOf(await call(testIdentity(undefined, ['admin']), READ)).timeNorms).toEqual(defaults);

      const changes = await reader.waitFor((m) => m.key === head.tenantId && m.event?.data && (m.event.data as any).norms.some((n: any) => n.operation === 'DEMO' && n.minutes === 45.5));
      expect(changes.event).toMatchObject({ type: 'TimeNormsChanged', version: 1, aggregateType: 'TenantSettings', aggregateId: head.tenantId, tenantId: head.tenantId });
      expect((changes.event!.data as any).norms).toEqual(expected.map(({ operation, minutes }) => ({ operation, minutes })));
      expect(reader.messages.filter((m) => m.key === head.tenantId)).toHaveLength(2);
    } finally {
      await reader.close();
    }
  });

  it.each([
    [[{ operation: 'CALL', minutes: 0 }], 'norms.0.minutes'],
    [[{ operation: 'CALL', minutes: -5 }], 'norms.0.minutes'],
    [[{ operation: 'CALL', minutes: 10_081 }], 'norms.0.minutes'],
    [[{ operation: 'CALL', minutes: 10 }, { operation: 'CALL', minutes: 20 }], 'norms'],
    [[], 'norms'],
  ])('refuses %j as BAD_USER_INPUT on %s and changes nothing', async (norms, field) => {
    const admin = testIdentity(undefined, ['admin']);
    const answer = await call(admin, SET, { norms });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe(field);
    expect(dataOf(await call(admin, READ)).timeNorms).toEqual(defaults);
  });

  it('are not set by a manager', async () => {
    const manager = testIdentity(undefined, ['manager']);
    expect(errorCodes(await call(manager, SET, { norms: [{ operation: 'CALL', minutes: 20 }] }))).toEqual(['FORBIDDEN']);
    expect(await TimeNormsModel.countDocuments({ _id: manager.tenantId })).toBe(0);
  });
});
