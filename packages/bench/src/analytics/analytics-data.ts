// Synthetic deals for the analytics bench: a realistic spread over owners, teams, territories,
// sources, currencies, months and outcomes, as the deals service's events describe them.
import { Types } from 'mongoose';
import { createEvent, DealCreated, DealLost, DealStageChanged, DealWon, PipelineCreated, type Envelope } from '@crm/events';

const STAGES = ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost'].map((name, position) => ({
  id: `bench-stage-${position}`,
  name,
  position,
  kind: name === 'Won' ? ('WON' as const) : name === 'Lost' ? ('LOST' as const) : ('OPEN' as const),
  probability: [0.1, 0.25, 0.5, 0.75, 1, 0][position]!,
  expectedDurationDays: position < 4 ? 14 : null,
}));

/** A fresh pipeline id of the form the deals service makes (the API checks it; ids are global). */
export const newPipelineId = () => new Types.ObjectId().toString();

export function pipelineEvent(tenantId: string, benchPipelineId: string): Envelope {
  return createEvent(
    PipelineCreated,
    { tenantId, aggregateId: benchPipelineId },
    {
      pipelineId: benchPipelineId,
      name: 'Bench',
      strictness: 'NONE',
      stages: STAGES.map((stage) => ({ ...stage, task: null, result: null, keySteps: [], archived: false })),
      followUps: [],
      templateKey: null,
    },
  );
}

const ref = (position: number) => ({ id: STAGES[position]!.id, name: STAGES[position]!.name, position, kind: STAGES[position]!.kind });
const DAY = 86_400_000;

/** A small deterministic generator, so runs are comparable. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/** Deal number `i` of a tenant: its events in order (created, moves, won or lost). */
export function dealEvents(tenantId: string, benchPipelineId: string, i: number, now = Date.UTC(2026, 11, 1)): Envelope[] {
  const next = random(i * 2654435761);
  const pick = <T>(values: readonly T[]) => values[Math.floor(next() * values.length)]!;
  const dealId = `${tenantId}-deal-${i}`; // ids are global: each tenant its own
  const owner = Math.floor(next() * 50);
  const deal = { dealId, title: `Deal ${i}`, pipelineId: benchPipelineId, ownerId: `user-${owner}` };
  const money = { amount: Math.round(500 + next() * 50_000), currency: pick(['EUR', 'EUR', 'EUR', 'USD', 'GBP']) };
  const companyId = `bench-company-${Math.floor(next() * 20_000)}`;
  const created = now - Math.floor(next() * 730) * DAY;
  const meta = (at: number) => ({ tenantId, aggregateId: dealId, occurredAt: new Date(at) });
  const events: Envelope[] = [
    createEvent(DealCreated, meta(created), {
      ...deal,
      stage: ref(0),
      companyId,
      ...money,
      status: 'OPEN',
      teamId: `team-${owner % 10}`,
      territoryId: `territory-${owner % 8}`,
      source: pick(['WEB_FORM', 'FAIR', 'REFERRAL', 'COLD_CALL', 'PARTNER', 'CAMPAIGN']),
      expectedCloseDate: new Date(now + Math.floor(next() * 365) * DAY).toISOString().slice(0, 10),
    }),
  ];
  let at = created;
  let position = 0;
  const furthest = Math.floor(next() * 4); // 0..3
  while (position < furthest) {
    at += Math.floor(1 + next() * 20) * DAY;
    const to = Math.min(3, position + (next() < 0.2 ? 2 : 1)); // some skip a stage
    events.push(createEvent(DealStageChanged, meta(at), { ...deal, fromStage: ref(position), toStage: ref(to), movedBy: deal.ownerId }));
    position = to;
  }
  const outcome = next();
  if (outcome < 0.7) {
    at += Math.floor(1 + next() * 20) * DAY;
    const won = outcome < 0.4;
    const to = won ? 4 : 5;
    events.push(createEvent(DealStageChanged, meta(at), { ...deal, fromStage: ref(position), toStage: ref(to), movedBy: deal.ownerId }));
    const closedAt = new Date(at).toISOString();
    events.push(
      won
        ? createEvent(DealWon, meta(at), { ...deal, companyId, ...money, stage: ref(to), closedAt, wonBy: deal.ownerId })
        : createEvent(DealLost, meta(at), { ...deal, companyId, ...money, stage: ref(to), closedAt, lostReason: pick(['Price', 'Timing', 'Competitor', 'No budget']), lostBy: deal.ownerId }),
    );
  }
  return events;
}
