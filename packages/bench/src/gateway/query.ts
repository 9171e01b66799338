// The benchmark query: a deal page of a CRM front end in one ~20 KB operation (as sent, printed) touching all four
// subgraphs. Its panels each ask for the same deal with their own selection, and entity
// references nest (every activity points back to its deal, every deal to its company and
// pipeline), so a planner that does not de-duplicate sends the same entity many times.
import { Kind, parse, print, visit } from 'graphql';

const fields = {
  company: 'id name domain website industry taxId ownerId createdAt updatedAt',
  contact: 'id firstName lastName fullName email phone position createdAt updatedAt',
  stage: 'id name position probability',
  deal: 'id title amount currency status ownerId createdAt updatedAt',
  activity: 'id kind subject status dueAt assigneeId overdue createdAt',
  funnel:
    'pipelineId pipelineName totalDeals stages { stageId name position reached conversionToNext } bottleneck { stageId name position reached conversionToNext } overallConversion updatedAt',
};

/** A CSV export of the deal: every column under its own alias, as report builders generate them. */
const exportColumns = [
  ...['id', 'title', 'amount', 'currency', 'status', 'ownerId', 'createdAt', 'updatedAt'].map((field) => `deal_${field}: ${field}`),
  `stage { ${['id', 'name', 'position', 'probability'].map((field) => `stage_${field}: ${field}`).join(' ')} }`,
  `company { ${fields.company.split(' ').map((field) => `company_${field}: ${field}`).join(' ')} contacts { ${fields.contact.split(' ').map((field) => `contact_${field}: ${field}`).join(' ')} } }`,
  `pipeline { ${['id', 'name', 'createdAt'].map((field) => `pipeline_${field}: ${field}`).join(' ')} funnel { ${['pipelineId', 'pipelineName', 'totalDeals', 'overallConversion', 'updatedAt'].map((field) => `funnel_${field}: ${field}`).join(' ')} } }`,
  `activities { ${fields.activity.split(' ').map((field) => `activity_${field}: ${field}`).join(' ')} }`,
].join(' ');

/** Each panel of the page asks for the deal with its own selection, as separate components do. */
const panels: Record<string, string> = {
  header: `${fields.deal} stage { ${fields.stage} } company { ${fields.company} } pipeline { id name createdAt stages { ${fields.stage} } }`,
  history: `id title stageHistory { from { ${fields.stage} } to { ${fields.stage} } movedBy movedAt }`,
  timeline: `id activities { ${fields.activity} deal { id title status company { id name domain } } }`,
  account: `id company { ${fields.company} contacts { ${fields.contact} company { id name } } deals { ${fields.deal} stage { ${fields.stage} } } }`,
  forecast: `id company { id name deals { id title amount currency stage { ${fields.stage} } pipeline { id name funnel { ${fields.funnel} } } activities { ${fields.activity} deal { id title amount } } } }`,
  funnel: `id pipeline { id name stages { ${fields.stage} } funnel { ${fields.funnel} } }`,
  related: `id company { id deals { id title activities { id subject deal { id company { id name website } pipeline { id funnel { totalDeals overallConversion } } } } } }`,
  stages: `id stage { ${fields.stage} } pipeline { id stages { ${fields.stage} } funnel { pipelineId stages { stageId name reached conversionToNext } } }`,
  contacts: `id company { id name contacts { ${fields.contact} } }`,
  nextSteps: `id activities { ${fields.activity} deal { id title stage { ${fields.stage} } } }`,
  audit: `${fields.deal} stageHistory { to { ${fields.stage} } movedBy movedAt } company { id name ownerId createdAt updatedAt }`,
  owner: `id ownerId status company { id ownerId name industry } stage { id name } pipeline { id name }`,
  documents: `id title createdAt updatedAt company { id name taxId website domain contacts { id fullName position email } }`,
  tasks: `id activities { id kind status dueAt overdue assigneeId subject createdAt deal { id status stage { id name position } } }`,
  pipelineHealth: `id pipeline { id name stages { id name position probability } funnel { totalDeals overallConversion bottleneck { stageId name position reached conversionToNext } stages { stageId name reached } } }`,
  siblings: `id company { id name deals { ${fields.deal} stage { ${fields.stage} } company { id name domain } pipeline { id name stages { id name } } } }`,
  meetings: `id activities { ${fields.activity} deal { id title amount currency company { id name website contacts { id fullName } } } }`,
  revenue: `id amount currency company { id name deals { id amount currency status stage { id probability } pipeline { id funnel { overallConversion totalDeals } } } }`,
  people: `id company { id name contacts { ${fields.contact} company { id name industry deals { id title } } } }`,
  exportRow: exportColumns,
  timelineDetail: `id activities { ${fields.activity} deal { ${fields.deal} stage { ${fields.stage} } stageHistory { to { id name } movedAt } } }`,
  companyCard: `id company { ${fields.company} contacts { ${fields.contact} } deals { id title amount status stage { id name } } }`,
  forecastDetail: `id amount stage { ${fields.stage} } pipeline { id name stages { ${fields.stage} } funnel { ${fields.funnel} } } company { id deals { id amount stage { ${fields.stage} } } }`,
  dealRoom: `id title company { id name contacts { ${fields.contact} } } activities { ${fields.activity} } stage { ${fields.stage} } pipeline { id name funnel { ${fields.funnel} } }`,
  sidebar: `id title amount company { id name industry ownerId contacts { id fullName email phone } } activities { id kind subject dueAt }`,
};

const panelSelections = Object.entries(panels)
  .map(([name, selection]) => `  ${name}Panel: deal(id: $dealId) { ${selection} }`)
  .join('\n');

const compact = `query DealPage($dealId: ID!, $pipelineId: ID!, $first: Int, $after: String) {
${panelSelections}
  funnel(pipelineId: $pipelineId) { ${fields.funnel} }
  activities(dealId: $dealId) { ${fields.activity} deal { ${fields.deal} company { ${fields.company} } pipeline { id funnel { totalDeals overallConversion } } } }
  pipelines { id name createdAt stages { ${fields.stage} } funnel { ${fields.funnel} } }
  companies(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        ${fields.company}
        contacts { ${fields.contact} company { id name } }
        deals { ${fields.deal} stage { ${fields.stage} } pipeline { id name funnel { ${fields.funnel} } } activities { ${fields.activity} deal { id title company { id name } } } }
      }
    }
  }
}`;

/** As a client such as Apollo Client sends it: printed one field a line, __typename in every selection. */
export const QUERY = print(
  visit(parse(compact), {
    SelectionSet: (node, _key, parent) =>
      (parent as { kind?: string }).kind === Kind.OPERATION_DEFINITION ? undefined : { ...node, selections: [...node.selections, { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } }] },
  }),
);

export const OPERATION_NAME = 'DealPage';

export type Variables = { dealId: string; pipelineId: string; first: number; after: string };

/** The same variables for every request (identical workload). */
export const fixedVariables: Variables = { dealId: 'dl~acme~1', pipelineId: 'pl~acme', first: 3, after: 'acme' };

/** Distinct variables for each `key` (e.g. run and request number): every entity below the roots differs too. */
export const distinctVariables = (key: string): Variables => ({ dealId: `dl~${key}~1`, pipelineId: `pl~${key}`, first: 3, after: key });
