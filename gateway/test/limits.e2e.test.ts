// The abuse limits through the real gateway and subgraphs (docs/architecture.md, "Limits"),
// with their default values.
import { LOCAL_JWT_SECRET, signUserToken } from '@crm/auth';
import { dataOf, errorCodes, testIdentity, waitFor, type GraphQLResponse, gatewayClient, useStack } from '@crm/testing';

const stack = useStack();

const limitOf = (response: GraphQLResponse) => response.errors?.map((error) => [error.extensions?.code, error.extensions?.limit]);

/** A POST with the caller's token, keeping the HTTP status. */
async function post(identity = testIdentity(undefined, ['admin']), body: string) {
  const token = await signUserToken(identity, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET);
  const response = await fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}

describe('limits on an operation, at the gateway', () => {
  const admin = testIdentity(undefined, ['admin']);
  const asAdmin = () => gatewayClient(stack.gatewayUrl, admin);

  it('refuses a document nested deeper than 10 levels, with HTTP 400', async () => {
    // 11 levels: companies edges node contacts company contacts company contacts company contacts id
    const deep = '{ companies { edges { node { contacts(first: 1) { company { contacts(first: 1) { company { contacts(first: 1) { company { contacts(first: 1) { id } } } } } } } } } } }';
    const answer = await post(admin, JSON.stringify({ query: deep }));
    expect(answer.status).toBe(400);
    expect(limitOf(answer.body)).toEqual([['QUERY_TOO_COMPLEX', 'depth']]);
    expect(answer.body.errors?.[0]?.message).toBe('Query depth limit of 10 exceeded, found 11.');
  });

  it('refuses more than 100 aliases', async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: pipelines(first: 1) { id }`).join(' ');
    expect(limitOf(await asAdmin()(`{ ${aliases} }`))).toEqual([['QUERY_TOO_COMPLEX', 'aliases']]);
  });

  it('refuses more than 50 directives', async () => {
    const fields = Array.from({ length: 51 }, () => '__typename @include(if: true)').join(' ');
    expect(limitOf(await asAdmin()(`{ ${fields} }`))).toEqual([['QUERY_TOO_COMPLEX', 'directives']]);
  });

  it('refuses a document of more than 5000 tokens before parsing it whole, with HTTP 400', async () => {
    const answer = await post(admin, JSON.stringify({ query: `{ ${'__typename '.repeat(5_000)} }` }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ message: 'Token limit of 5000 exceeded.', extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 5000 } }]);
  });

  it('refuses an operation that costs more than 100,000, counting list sizes from first, given or by default', async () => {
    // 100 companies × 20 contacts (the default) × their company × 20 contacts × ...: millions of objects.
    const fanOut = '{ companies(first: 100) { edges { node { contacts { company { contacts { company { contacts { fullName } } } } } } } } }';
    const answer = await asAdmin()(fanOut);
    expect(limitOf(answer)).toEqual([['QUERY_TOO_COMPLEX', 'cost']]);
    expect(answer.errors?.[0]?.message).toMatch(/^Query cost limit of 100000 exceeded, found \d+\.$/);

    // The same shape through a variable: its value counts, so a small page passes and a large one does not.
    const paged = 'query ($n: Int) { companies(first: $n) { edges { node { contacts(first: $n) { company { contacts(first: $n) { fullName } } } } } } }';
    expect(dataOf(await asAdmin()(paged, { n: 10 })).companies.edges).toEqual([]);
    expect(limitOf(await asAdmin()(paged, { n: 100 }))).toEqual([['QUERY_TOO_COMPLEX', 'cost']]);

    // Ten fragments a level, each spreading the ten of the level below: 10^5 selections in 6 kB,
    // within the depth, alias and token limits.
    const names = (level: number) => Array.from({ length: 10 }, (_, i) => `L${level}_${i}`);
    const spreads = (level: number) => names(level).map((name) => `...${name}`).join(' ');
    const fragments = names(0).map((name) => `fragment ${name} on Query { pipelines(first: 1) { id } }`);
    for (let level = 1; level <= 5; level += 1) fragments.push(...names(level).map((name) => `fragment ${name} on Query { ${spreads(level - 1)} }`));
    const bomb = await asAdmin()(`query { ${spreads(5)} } ${fragments.join(' ')}`);
    expect(limitOf(bomb)).toEqual([['QUERY_TOO_COMPLEX', 'cost']]);
    expect(bomb.errors?.[0]?.message).toBe('Query cost limit of 100000 exceeded, found more than 10000 fields.');
  });

  it('costs a variable left out by its default, one sent as null and a null first by the default page, each on its own', async () => {
    // $n left out is 100: 100 companies × 100 deals × 100 activities. Sent as null, every first is
    // the subgraphs' default page (20), as is a literal null.
    const paged = 'query Paged($n: Int = 100) { companies(first: $n) { edges { node { id deals(first: $n) { id activities(first: $n) { id } } } } } }';
    expect(dataOf(await asAdmin()(paged, { n: null })).companies.edges).toEqual([]);
    expect(limitOf(await asAdmin()(paged))).toEqual([['QUERY_TOO_COMPLEX', 'cost']]);
    const nulls = '{ companies(first: null) { edges { node { contacts(first: null) { company { contacts(first: null) { company { contacts(first: null) { fullName } } } } } } } } }';
    expect(limitOf(await asAdmin()(nulls))).toEqual([['QUERY_TOO_COMPLEX', 'cost']]);
  });

  it('answers invalid variables as bad input, and leaves no verdict on the document for valid ones', async () => {
    const query = 'query CompanyName($id: ID!) { company(id: $id) { name } }';
    const invalid = await post(admin, JSON.stringify({ query, variables: { id: { a: 1 } } }));
    expect(invalid.status).toBe(400);
    expect(errorCodes(invalid.body)).toEqual(['BAD_USER_INPUT']);
    // Another tenant, the same document, a valid value.
    const other = gatewayClient(stack.gatewayUrl, testIdentity(undefined, ['admin']));
    expect(dataOf(await other(query, { id: '0123456789abcdef01234567' }))).toEqual({ company: null });
  });

  it('refuses more than 10 mutations in one request, and runs none of them', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    const asTenant = gatewayClient(stack.gatewayUrl, tenant);
    const creates = (n: number) => Array.from({ length: n }, (_, i) => `c${i}: createCompany(input: { name: "Company ${i}" }) { id }`).join(' ');
    expect(limitOf(await asTenant(`mutation { ${creates(11)} }`))).toEqual([['QUERY_TOO_COMPLEX', 'mutations']]);
    expect(dataOf(await asTenant('{ companies { totalCount } }')).companies.totalCount).toBe(0);
    // Nor can a batch of operations in one request get round it: batching is off.
    const batch = await post(tenant, JSON.stringify(Array.from({ length: 2 }, () => ({ query: `mutation { ${creates(10)} }` }))));
    expect(batch.status).toBe(400);
    expect(dataOf(await asTenant('{ companies { totalCount } }')).companies.totalCount).toBe(0);
    expect(Object.keys(dataOf(await asTenant(`mutation { ${creates(10)} }`)))).toHaveLength(10);
    expect(dataOf(await asTenant('{ companies { totalCount } }')).companies.totalCount).toBe(10);
  });

  it('refuses a body over 256 kB with 413 and a GraphQL error, not a page', async () => {
    const answer = await post(admin, JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(256 * 1024) } }));
    expect(answer.status).toBe(413);
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_REQUEST']);
  });

  it('serves introspection outside production', async () => {
    expect(dataOf(await asAdmin()('{ __schema { queryType { name } } }'))).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('bounded lists and one request with several writes, through the gateway', () => {
  it('returns 20 contacts of a company by default, as many as first asks up to 200, and refuses more', async () => {
    const admin = testIdentity(undefined, ['admin']);
    const asAdmin = gatewayClient(stack.gatewayUrl, admin);
    const { createCompany: company } = dataOf(await asAdmin('mutation { createCompany(input: { name: "Big Family" }) { id } }'));
    // 25 contacts, at most 10 mutations a request.
    for (let batch = 0; batch < 3; batch += 1) {
      const creates = Array.from({ length: batch < 2 ? 10 : 5 }, (_, i) => `c${i}: createContact(input: { firstName: "F", lastName: "L${batch * 10 + i + 10}", companyId: $c }) { id }`);
      dataOf(await asAdmin(`mutation ($c: ID) { ${creates.join(' ')} }`, { c: company.id }));
    }
    const contacts = (first?: number) =>
      asAdmin(`query ($id: ID!, $first: Int) { company(id: $id) { contacts(first: $first) { lastName } } }`, { id: company.id, ...(first !== undefined && { first }) });
    const byDefault = dataOf(await contacts()).company.contacts;
    expect(byDefault.map((contact: { lastName: string }) => contact.lastName)).toEqual(Array.from({ length: 20 }, (_, i) => `L${i + 10}`));
    expect(dataOf(await contacts(25)).company.contacts).toHaveLength(25);
    expect(dataOf(await contacts(3)).company.contacts).toHaveLength(3);
    const tooMany = await contacts(201);
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(tooMany.errors?.[0]).toMatchObject({ message: 'first must be between 0 and 200', extensions: { field: 'first' } });
  });

  it('lets a second move of the same deal in one request see the first: the answer is what is stored', async () => {
    const head = testIdentity(undefined, ['head_of_sales']);
    const asHead = gatewayClient(stack.gatewayUrl, head);
    const { createCompany: company } = dataOf(await asHead('mutation { createCompany(input: { name: "Twice Moved" }) { id } }'));
    const { createPipeline: pipeline } = dataOf(
      await asHead('mutation { createPipeline(input: { name: "P", stages: [{ name: "S1", probability: 0.1 }, { name: "S2", probability: 0.5 }] }) { id stages { id } } }'),
    );
    const [s1, s2] = pipeline.stages.map((stage: { id: string }) => stage.id);
    const input = { title: 'Back and forth', companyId: company.id, pipelineId: pipeline.id, amount: 1, currency: 'EUR' };
    const deal = await waitFor(async () => (await asHead('mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }', { input })).data?.createDeal, {
      what: 'deals to know the company',
    });

    const both = dataOf(
      await asHead(
        `mutation ($d: ID!, $s1: ID!, $s2: ID!) {
          a: moveDealToStage(id: $d, stageId: $s2) { stage { name } }
          b: moveDealToStage(id: $d, stageId: $s1) { stage { name } }
        }`,
        { d: deal.id, s1, s2 },
      ),
    );
    expect(both).toEqual({ a: { stage: { name: 'S2' } }, b: { stage: { name: 'S1' } } });
    const { deal: stored } = dataOf(await asHead('query ($id: ID!) { deal(id: $id) { stage { name } stageHistory { to { name } } } }', { id: deal.id }));
    expect(stored).toEqual({ stage: { name: 'S1' }, stageHistory: [{ to: { name: 'S1' } }, { to: { name: 'S2' } }, { to: { name: 'S1' } }] });
  });

  it('refuses an over-long string naming the field, and stores nothing', async () => {
    const tenant = testIdentity(undefined, ['admin']);
    const asTenant = gatewayClient(stack.gatewayUrl, tenant);
    const answer = await asTenant('mutation ($name: String!) { createCompany(input: { name: $name }) { id } }', { name: 'x'.repeat(201) });
    expect(errorCodes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors?.[0]?.extensions?.field).toBe('name');
    expect(dataOf(await asTenant('{ companies { totalCount } }')).companies.totalCount).toBe(0);
  });
});
