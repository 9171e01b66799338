// Deterministic in-memory data for the static subgraphs: every object is computed from its id,
// so four processes-worth of subgraphs agree without sharing state, and distinct variables
// give distinct (but reproducible) entities. Ids: company `co~R`, deal `dl~R~j`, pipeline
// `pl~R`, contact `ct~R~i`, activity `ac~R~j~a`, where R is any string without `~`.
const AT = '2026-01-15T09:30:00.000Z';
const STAGES = ['Prospect', 'Meeting agreed', 'Proposal discussed', 'Contract signed'];
const DEALS_PER_COMPANY = 3;
const ACTIVITIES_PER_DEAL = 4;
const CONTACTS_PER_COMPANY = 2;

const part = (id: string, index: number) => id.split('~')[index] ?? '0';

export const company = (id: string) => ({
  id,
  name: `Company ${part(id, 1)}`,
  domain: `${part(id, 1)}.example`,
  website: `https://${part(id, 1)}.example`,
  industry: 'Facility services',
  taxId: `TX-${part(id, 1)}`,
  ownerId: `user-${part(id, 1)}`,
  createdAt: AT,
  updatedAt: AT,
});

export const contact = (id: string) => ({
  id,
  firstName: 'Maria',
  lastName: `Ortega ${part(id, 2)}`,
  fullName: `Maria Ortega ${part(id, 2)}`,
  email: `maria${part(id, 2)}@${part(id, 1)}.example`,
  phone: '+34612345678',
  position: 'COO',
  company: company(`co~${part(id, 1)}`),
  createdAt: AT,
  updatedAt: AT,
});

export const contactsOf = (companyId: string) => Array.from({ length: CONTACTS_PER_COMPANY }, (_, i) => contact(`ct~${part(companyId, 1)}~${i}`));

export const stage = (pipelineId: string, position: number) => ({
  id: `${pipelineId}~s${position}`,
  name: STAGES[position]!,
  position,
  probability: [0.05, 0.2, 0.5, 1][position]!,
});

export const pipeline = (id: string) => ({
  id,
  name: `Pipeline ${part(id, 1)}`,
  stages: STAGES.map((_, position) => stage(id, position)),
  createdAt: AT,
});

export const deal = (id: string) => {
  const root = part(id, 1);
  const position = Number(part(id, 2)) % STAGES.length || 0;
  const pipelineId = `pl~${root}`;
  return {
    id,
    title: `Office cleaning ${root}/${part(id, 2)}`,
    amount: 12000 * (position + 1),
    currency: 'EUR',
    status: 'OPEN',
    ownerId: `user-${root}`,
    company: { id: `co~${root}` },
    pipeline: pipeline(pipelineId),
    stage: stage(pipelineId, position),
    stageHistory: Array.from({ length: position + 1 }, (_, to) => ({
      from: to === 0 ? null : stage(pipelineId, to - 1),
      to: stage(pipelineId, to),
      movedBy: `user-${root}`,
      movedAt: AT,
    })),
    createdAt: AT,
    updatedAt: AT,
  };
};

export const dealsOf = (companyId: string) => Array.from({ length: DEALS_PER_COMPANY }, (_, j) => deal(`dl~${part(companyId, 1)}~${j}`));

export const activity = (id: string) => ({
  id,
  kind: ['CALL', 'MEETING', 'EMAIL', 'TASK', 'NOTE'][Number(part(id, 3)) % 5],
  subject: `Follow-up ${part(id, 3)} on ${part(id, 1)}/${part(id, 2)}`,
  status: 'PLANNED',
  dueAt: AT,
  assigneeId: `user-${part(id, 1)}`,
  overdue: false,
  deal: { id: `dl~${part(id, 1)}~${part(id, 2)}` },
  createdAt: AT,
});

export const activitiesOf = (dealId: string) =>
  Array.from({ length: ACTIVITIES_PER_DEAL }, (_, a) => activity(`ac~${part(dealId, 1)}~${part(dealId, 2)}~${a}`));

export const funnel = (pipelineId: string) => {
  const reached = [DEALS_PER_COMPANY, 3, 2, 1].map((count) => Math.min(count, DEALS_PER_COMPANY));
  const stages = STAGES.map((name, position) => ({
    stageId: `${pipelineId}~s${position}`,
    name,
    position,
    reached: reached[position]!,
    conversionToNext: position < STAGES.length - 1 ? reached[position + 1]! / reached[position]! : null,
  }));
  return {
    pipelineId,
    pipelineName: `Pipeline ${part(pipelineId, 1)}`,
    totalDeals: DEALS_PER_COMPANY,
    stages,
    bottleneck: stages[2],
    overallConversion: 0.25,
    updatedAt: AT,
  };
};

/** One page of companies after a cursor: company ids carry the cursor, so pages differ per cursor. */
export const companyPage = (first: number, after: string | null | undefined) => {
  const edges = Array.from({ length: first }, (_, i) => ({ cursor: `${after ?? 'start'}.${i}`, node: company(`co~${after ?? 'start'}.${i}`) }));
  return { edges, pageInfo: { hasNextPage: true, hasPreviousPage: Boolean(after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null }, totalCount: 1000 };
};
