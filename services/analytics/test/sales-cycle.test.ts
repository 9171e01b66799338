import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity } from '@crm/testing';
import { startAnalytics } from '../src/service';
import { connectProducer, newId } from './events';
import { dealStory, pipelineWith, waitAnalytics } from './facts-events';

const CYCLE = `query ($id: ID!, $from: DateTime!, $to: DateTime!) {
  salesCycle(pipelineId: $id, from: $from, to: $to) {
    pipelineId truncated
    stages { name position expectedDurationDays staleDeals time { count medianDays p90Days } }
    creationToWin { count medianDays p90Days }
  }
}`;

const service = serviceUnderTest('analytics', startAnalytics);
const alice = testIdentity();
const call = (query: string, variables?: object, identity = alice) => subgraphRequest(service.url, identity, query, variables);
const january = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-31T23:59:59.999Z' };
let pipelineId: string;

beforeAll(async () => {
  const producer = await connectProducer();
  const pipeline = pipelineWith(alice.tenantId, [
    { name: 'Lead', expectedDurationDays: 5 },
    { name: 'Proposal', expectedDurationDays: 10 },
    { name: 'Won', kind: 'WON' },
  ]);
  pipelineId = pipeline.pipelineId;
  const story = (createdAt: string) => dealStory(alice.tenantId, pipelineId, pipeline.stages, { createdAt });
  const day = (n: number) => `2026-01-${String(n).padStart(2, '0')}T00:00:00.000Z`;
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  const deals = [
    story(day(1)).move(1, day(3)).move(2, day(7)), // Lead 2, Proposal 4, won after 6
    story(day(1)).move(1, day(5)).move(2, day(15)), // Lead 4, Proposal 10, won after 14
    story(day(1)).move(1, day(2)).move(0, day(4)).move(1, day(10)), // Lead 1 and 6, Proposal 2; in Proposal since Jan 10: stale
    story(day(2)), // in Lead since Jan 2: stale
    story(yesterday), // in Lead since yesterday: not stale
  ];
  const events = [pipeline.event, ...deals.flatMap((deal) => deal.events)];
  await producer.send(...events);
  await producer.close();
  await waitAnalytics(events, service.env);
});

describe('sales cycle', () => {
  it('gives the median and p90 days per stage and from creation to win, and the stale deals', async () => {
    const cycle = dataOf(await call(CYCLE, { id: pipelineId, ...january })).salesCycle;
    expect(cycle).toEqual({
      pipelineId,
      truncated: false,
      stages: [
        // Stays of 1, 2, 4 and 6 days: median 3, p90 4 + 0.7 × 2.
        { name: 'Lead', position: 0, expectedDurationDays: 5, staleDeals: 1, time: { count: 4, medianDays: 3, p90Days: 5.4 } },
        // 2, 4 and 10 days: median 4, p90 4 + 0.8 × 6.
        { name: 'Proposal', position: 1, expectedDurationDays: 10, staleDeals: 1, time: { count: 3, medianDays: 4, p90Days: 8.8 } },
        { name: 'Won', position: 2, expectedDurationDays: null, staleDeals: 0, time: { count: 0, medianDays: null, p90Days: null } },
      ],
      // 6 and 14 days: median 10, p90 6 + 0.9 × 8.
      creationToWin: { count: 2, medianDays: 10, p90Days: 13.2 },
    });
  });

  it('counts only stays that ended, and wins, within the period', async () => {
    const early = dataOf(await call(CYCLE, { id: pipelineId, from: '2026-01-01T00:00:00.000Z', to: '2026-01-04T12:00:00.000Z' })).salesCycle;
    // Ended by Jan 4 noon: Lead 2 (Jan 3) and 1 (Jan 2); Proposal 2 (Jan 4). No win yet.
    expect(early.stages.map((stage: any) => stage.time.count)).toEqual([2, 1, 0]);
    expect(early.creationToWin.count).toBe(0);
  });

  it('answers NOT_FOUND for an unknown pipeline or another tenant, BAD_USER_INPUT for a reversed period', async () => {
    expect(errorCodes(await call(CYCLE, { id: newId(), ...january }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(CYCLE, { id: pipelineId, ...january }, testIdentity()))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(CYCLE, { id: pipelineId, from: january.to, to: january.from }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(CYCLE, { id: pipelineId, from: 'yesterday', to: january.to }))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a period touching more than 120 months before reading anything, and answers one of 120', async () => {
    const ages = { from: '2000-01-01T00:00:00.000Z', to: '2999-12-31T00:00:00.000Z' };
    expect(errorCodes(await call(CYCLE, { id: pipelineId, ...ages }))).toEqual(['BAD_USER_INPUT']);
    // Refused before the pipeline is even looked up.
    expect(errorCodes(await call(CYCLE, { id: newId(), ...ages }))).toEqual(['BAD_USER_INPUT']);
    // February 2016 to January 2026: 120 months.
    const tenYears = dataOf(await call(CYCLE, { id: pipelineId, from: '2016-02-01T00:00:00.000Z', to: january.to })).salesCycle;
    expect(tenYears.creationToWin.count).toBe(2);
    expect(errorCodes(await call(CYCLE, { id: pipelineId, from: '2016-01-31T23:59:59.999Z', to: january.to }))).toEqual(['BAD_USER_INPUT']);
  });
});
