// The benchmark query: a deal page of a CRM front end in one ~20 KB operation touching all four
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
