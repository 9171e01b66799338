// Our gateway (startGateway, as main.ts runs it) in front of two small in-process subgraphs that
// record every request: which representations they were sent, and with which signed identity.
// The stock @apollo/gateway runs beside it on the same subgraphs, for the same answers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { IDENTITY_HEADER, signUserToken, verifyInternalIdentity, type Identity } from '@crm/auth';
import { notFound } from '@crm/service-kit';
import { postGraphQL, testIdentity } from '@crm/testing';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/server';

const JWT_SECRET = 'gateway-fetches-test-jwt-secret-0123456789';
const INTERNAL_SECRET = 'gateway-fetches-test-internal-secret-0123';
const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const dealsSdl = `${link}
type Deal @key(fields: "id") { id: ID! title: String }
type Query { deals: [Deal!]! }
type Mutation { renameDeal(id: ID!, title: String!): Deal! tagDeal(id: ID!, tags: [String!]!): [String!]! }`;
const activitiesSdl = `${link}
type Deal @key(fields: "id", resolvable: false) { id: ID! }
type Activity { id: ID! subject: String! deal: Deal! }
type Query { activities: [Activity!]! }`;

// Seven activities on three deals, one of which deals does not know: the planner repeats deals.
const dealOf = ['d1', 'd2', 'd1', 'd1', 'd2', 'dx', 'dx'];
const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

interface Received {
  query: string;
  representations?: { __typename: string; id: string }[];
  identity?: Identity;
}

async function startSubgraph(schema: GraphQLSchema) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', async () => {
      const body = JSON.parse(text) as { query: string; variables?: Record<string, unknown>; operationName?: string };
      const header = req.headers[IDENTITY_HEADER];
      const identity = typeof header === 'string' ? await verifyInternalIdentity(header, INTERNAL_SECRET) : undefined;
      received.push({ query: body.query, representations: body.variables?.representations as Received['representations'], identity });
      const result = await execute({ schema, document: parse(body.query), variableValues: body.variables, operationName: body.operationName, contextValue: { identity } });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, received, stop: () => new Promise((done) => server.close(done)) };
}

type Subgraph = Awaited<ReturnType<typeof startSubgraph>>;
let deals: Subgraph;
let activities: Subgraph;
let ours: RunningGateway;
let stock: { url: string; stop: () => Promise<void> };
const caller = testIdentity(undefined, ['manager']);
const tokenOf = (identity: Identity) => signUserToken(identity, JWT_SECRET);
const asCaller = async (identity: Identity, query: string, variables?: object) => postGraphQL(ours.url, { authorization: `Bearer ${await tokenOf(identity)}` }, query, variables);
const forget = () => {
  deals.received.length = 0;
  activities.received.length = 0;
};

beforeAll(async () => {
  deals = await startSubgraph(
    buildSubgraphSchema({
      typeDefs: parse(dealsSdl),
      resolvers: {
        Query: { deals: () => [{ id: 'd1' }] },
        Mutation: {
          renameDeal: (_: unknown, { id, title }: { id: string; title: string }) => ({ id, title }),
          tagDeal: (_: unknown, { tags }: { tags: string[] }) => tags,
        },
        Deal: {
          __resolveReference: ({ id }: { id: string }) => ({ id }),
          title: ({ id, title }: { id: string; title?: string }) => {
            if (id === 'dx') throw notFound('Deal', id);
            return title ?? `Deal ${id}`;
          },
        },
      } as never,
    }),
  );
  activities = await startSubgraph(
    buildSubgraphSchema({
      typeDefs: parse(activitiesSdl),
      resolvers: {
        Query: {
          // Slow enough that concurrent requests overlap.
          activities: async (_: unknown, __: unknown, { identity }: { identity?: Identity }) => {
            await delay(300);
            return dealOf.map((deal, i) => ({ id: `a${i}`, subject: `Call ${i} for ${identity?.tenantId}`, deal: { id: deal } }));
          },
        },
      } as never,
    }),
  );
  const composed = composeServices([
    { name: 'deals', url: deals.url, typeDefs: parse(dealsSdl) },
    { name: 'activities', url: activities.url, typeDefs: parse(activitiesSdl) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  const supergraphPath = join(mkdtempSync(join(tmpdir(), 'gateway-fetches-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);
  ours = await startGateway(
    loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, INTERNAL_SECRET, SUPERGRAPH_PATH: supergraphPath }),
  );
  const stockServer = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }) });
  const { url } = await startStandaloneServer(stockServer, { listen: { port: 0, host: '127.0.0.1' } });
  stock = { url, stop: () => stockServer.stop() };
});

afterAll(async () => {
  await ours?.stop();
  await stock?.stop();
  await deals?.stop();
  await activities?.stop();
});

const ACTIVITIES = 'query Activities { activities { id subject deal { id title } } }';

describe('the gateway in front of subgraphs', () => {
  it('sends each entity once per fetch, with the signed caller, and answers as the stock gateway does', async () => {
    forget();
    const answer = await asCaller(caller, ACTIVITIES);
    const entityFetches = deals.received.filter((request) => request.representations);
    expect(entityFetches).toHaveLength(1);
    expect(entityFetches[0]!.representations).toEqual([
      { __typename: 'Deal', id: 'd1' },
      { __typename: 'Deal', id: 'd2' },
      { __typename: 'Deal', id: 'dx' },
    ]);
    for (const request of [...deals.received, ...activities.received]) expect(request.identity).toEqual(caller);

    // Every position got its own deal back, and the unknown deal's error is at both of its places.
    expect(answer.data?.activities.map((activity: { deal: { id: string; title: string | null } }) => activity.deal)).toEqual(
      dealOf.map((id) => ({ id, title: id === 'dx' ? null : `Deal ${id}` })),
    );
    expect(answer.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['activities', 5, 'deal', 'title'], 'NOT_FOUND'],
      [['activities', 6, 'deal', 'title'], 'NOT_FOUND'],
    ]);

    forget();
    const stockAnswer = await postGraphQL(stock.url, {}, ACTIVITIES);
    // The stock gateway sends all seven: the subgraphs in this test do see duplicates when there are any.
    expect(deals.received.find((request) => request.representations)?.representations).toHaveLength(7);
    // Byte for byte, but for the tenant in the subjects: the stock gateway forwards no caller.
    expect(JSON.stringify(answer.data).replaceAll(caller.tenantId, 'undefined')).toBe(JSON.stringify(stockAnswer.data));
    expect(answer.errors?.map((error) => [error.message, error.path])).toEqual(stockAnswer.errors?.map((error) => [error.message, error.path]));
  });

  it('shares identical concurrent queries of one caller, never those of different tenants', async () => {
    forget();
    const other = testIdentity(undefined, ['manager']);
    const answers = await Promise.all([asCaller(caller, ACTIVITIES), asCaller(caller, ACTIVITIES), asCaller(other, ACTIVITIES)]);
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]!.data?.activities[0].subject).toBe(`Call 0 for ${caller.tenantId}`);
    expect(answers[2]!.data?.activities[0].subject).toBe(`Call 0 for ${other.tenantId}`);
    const rootCalls = activities.received.filter((request) => !request.representations);
    expect(rootCalls.map((request) => request.identity?.tenantId).sort()).toEqual([caller.tenantId, other.tenantId].sort());
    for (const request of deals.received) expect(new Set(request.representations?.map((rep) => rep.id)).size).toBe(request.representations?.length);
  });

  it('never shares mutations, however identical and concurrent', async () => {
    forget();
    const rename = 'mutation Rename { renameDeal(id: "d1", title: "Windows") { id title } }';
    const answers = await Promise.all([asCaller(caller, rename), asCaller(caller, rename)]);
    for (const answer of answers) expect(answer).toEqual({ data: { renameDeal: { id: 'd1', title: 'Windows' } } });
    expect(deals.received.filter((request) => request.query.startsWith('mutation'))).toHaveLength(2);
  });

  it('passes a client variable named $representations on as sent: only entity fetches are de-duplicated', async () => {
    forget();
    const tag = 'mutation Tag($representations: [String!]!) { tagDeal(id: "d1", tags: $representations) }';
    expect(await asCaller(caller, tag, { representations: ['x', 'x', 'y'] })).toEqual({ data: { tagDeal: ['x', 'x', 'y'] } });
    expect(deals.received.map((request) => request.representations as unknown)).toEqual([['x', 'x', 'y']]);
  });

  it('refuses a request without a valid token before any subgraph is called', async () => {
    forget();
    const response = await fetch(ours.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: JSON.stringify({ query: ACTIVITIES }) });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect([...deals.received, ...activities.received]).toHaveLength(0);
  });
});
