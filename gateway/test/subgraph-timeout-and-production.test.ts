// Our gateway (startGateway, as main.ts runs it) in front of a subgraph that answers and one that
// never does: the hanging part fails with SUBGRAPH_TIMEOUT, the rest of the answer is served.
// And the same gateway in production: no introspection, no landing page.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { signUserToken } from '@crm/auth';
import { postGraphQL, testIdentity } from '@crm/testing';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/server';

const JWT_SECRET = 'subgraph-timeout-test-jwt-secret-0123456789';
const INTERNAL_SECRET = 'subgraph-timeout-test-internal-secret-0123';
const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const fastSdl = `${link}
type Query { pipelines: [String!]! }`;
const hangingSdl = `${link}
type Query { slowReport: String }`;

/** A subgraph over plain HTTP; `hang` keeps every request open without an answer. */
async function startSubgraph(schema: GraphQLSchema, hang = false) {
  const open = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', async () => {
      if (hang) return void open.add(res);
      const body = JSON.parse(text) as { query: string; variables?: Record<string, unknown> };
      const result = await execute({ schema, document: parse(body.query), variableValues: body.variables });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requests: () => open.size,
    stop: () => {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    },
  };
}

type Subgraph = Awaited<ReturnType<typeof startSubgraph>>;
let fast: Subgraph;
let hanging: Subgraph;
let supergraphPath: string;
const gateways: RunningGateway[] = [];

const start = async (env: Record<string, string>) => {
  const gateway = await startGateway(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', JWT_SECRET, INTERNAL_SECRET, SUPERGRAPH_PATH: supergraphPath, ...env }));
  gateways.push(gateway);
  return gateway;
};
const caller = testIdentity(undefined, ['manager']);
const ask = async (gateway: RunningGateway, query: string) => postGraphQL(gateway.url, { authorization: `Bearer ${await signUserToken(caller, JWT_SECRET)}` }, query);

beforeAll(async () => {
  fast = await startSubgraph(buildSubgraphSchema({ typeDefs: parse(fastSdl), resolvers: { Query: { pipelines: () => ['Sales'] } } as never }));
  hanging = await startSubgraph(buildSubgraphSchema({ typeDefs: parse(hangingSdl) }), true);
  const composed = composeServices([
    { name: 'deals', url: fast.url, typeDefs: parse(fastSdl) },
    { name: 'analytics', url: hanging.url, typeDefs: parse(hangingSdl) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  supergraphPath = join(mkdtempSync(join(tmpdir(), 'subgraph-timeout-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await fast?.stop();
  await hanging?.stop();
});

describe('a subgraph that does not answer', () => {
  it('fails only its part, with SUBGRAPH_TIMEOUT naming the service, once SUBGRAPH_TIMEOUT_MS has passed', async () => {
    const gateway = await start({ NODE_ENV: 'test', SUBGRAPH_TIMEOUT_MS: '300' });
    const answer = await ask(gateway, '{ pipelines slowReport }');
    expect(hanging.requests()).toBe(1);
    expect(answer.data).toEqual({ pipelines: ['Sales'], slowReport: null });
    expect(answer.errors).toEqual([
      expect.objectContaining({ message: 'The analytics service did not answer within 300 ms', extensions: { code: 'SUBGRAPH_TIMEOUT', service: 'analytics' } }),
    ]);
  });
});

describe('in production', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await start({ NODE_ENV: 'production' });
  });

  it('answers no introspection and no field suggestions', async () => {
    const introspection = await ask(gateway, '{ __schema { queryType { name } } }');
    expect(introspection.data).toBeUndefined();
    expect(introspection.errors?.map((error) => error.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const typo = await ask(gateway, '{ pipeline }');
    expect(typo.errors?.[0]?.message).not.toMatch(/did you mean/i);
    expect(await ask(gateway, '{ pipelines }')).toEqual({ data: { pipelines: ['Sales'] } });
  });

  it('serves no landing page', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await response.text()).not.toMatch(/sandbox|<html/i);
  });

  it('still serves both outside production, where the schema is no secret', async () => {
    const development = await start({ NODE_ENV: 'development' });
    expect((await ask(development, '{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await ask(development, '{ pipeline }')).errors?.[0]?.message).toMatch(/did you mean "pipelines"/i);
    const page = await fetch(development.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).toMatch(/sandbox/i);
  });
});
