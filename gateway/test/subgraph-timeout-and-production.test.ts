// Our gateway (startGateway, as main.ts runs it) in front of a subgraph that answers, one that
// never does and one that refuses the gateway: the hanging part fails with SUBGRAPH_TIMEOUT, the
// refused part says so without the subgraph's address, the rest of the answer is served. Its file
// routes in front of a stand-in for the contacts service's. And the same gateway in production:
// no introspection, no landing page, no error page (nor from a subgraph app).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { signUserToken } from '@crm/auth';
import { createLogger, createSubgraphApp } from '@crm/service-kit';
import { postGraphQL, testIdentity, waitFor } from '@crm/testing';
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
const refusingSdl = `${link}
type Query { tasks: [String!] }`;

/**
 * A subgraph over plain HTTP; `hang` keeps every request open without an answer, `refuse` answers
 * 401 as a subgraph does to a gateway whose identity it does not trust.
 */
async function startSubgraph(schema: GraphQLSchema, behaviour: 'answer' | 'hang' | 'refuse' = 'answer') {
  const open = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', async () => {
      if (behaviour === 'hang') return void open.add(res);
      if (behaviour === 'refuse') {
        res.writeHead(401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ errors: [{ message: 'invalid gateway identity', extensions: { code: 'UNAUTHENTICATED' } }] }));
      }
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

/**
 * The contacts service's file routes: an upload is read and its size answered; a download
 * (GET /downloads/<id>) never ends, sent as fast as it is read, and `closed` lists the downloads
 * whose connection closed.
 */
async function startFiles() {
  const closed = new Set<string>();
  const server: Server = createServer((req, res) => {
    const download = /^\/downloads\/([^/]+)$/.exec(req.url ?? '')?.[1];
    if (download) {
      res.on('close', () => closed.add(download));
      res.writeHead(200, { 'content-type': 'text/csv' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const send = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', send);
      };
      return send();
    }
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ bytes }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closed,
    stop: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    },
  };
}

/** One raw HTTP/1.1 request, its target as written (fetch would normalise it): the whole answer as text. */
function rawRequest(url: string, method: string, target: string, body = ''): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('end', () => done(answer));
    socket.on('error', fail);
  });
}

type Subgraph = Awaited<ReturnType<typeof startSubgraph>>;
let fast: Subgraph;
let hanging: Subgraph;
let refusing: Subgraph;
let files: Awaited<ReturnType<typeof startFiles>>;
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
  hanging = await startSubgraph(buildSubgraphSchema({ typeDefs: parse(hangingSdl) }), 'hang');
  refusing = await startSubgraph(buildSubgraphSchema({ typeDefs: parse(refusingSdl) }), 'refuse');
  files = await startFiles();
  const composed = composeServices([
    { name: 'deals', url: fast.url, typeDefs: parse(fastSdl) },
    { name: 'analytics', url: hanging.url, typeDefs: parse(hangingSdl) },
    { name: 'activities', url: refusing.url, typeDefs: parse(refusingSdl) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((error) => error.message).join('\n'));
  supergraphPath = join(mkdtempSync(join(tmpdir(), 'subgraph-timeout-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await fast?.stop();
  await hanging?.stop();
  await refusing?.stop();
  await files?.stop();
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

describe('a subgraph that refuses the gateway', () => {
  it('fails its part with the code and the service, never the subgraph\'s address or answer', async () => {
    const gateway = await start({ NODE_ENV: 'test' });
    const answer = await ask(gateway, '{ pipelines tasks }');
    expect(answer.data).toEqual({ pipelines: ['Sales'], tasks: null });
    expect(answer.errors).toEqual([expect.objectContaining({ message: '401: Unauthorized', extensions: { code: 'UNAUTHENTICATED', serviceName: 'activities' } })]);
    expect(JSON.stringify(answer)).not.toContain(new URL(refusing.url).port);
  });
});

describe('the file routes, in front of the contacts service', () => {
  let gateway: RunningGateway;
  let base: string;
  let authorization: string;
  beforeAll(async () => {
    gateway = await start({ NODE_ENV: 'test', SUBGRAPH_CONTACTS_URL: `${files.url}/graphql`, FILE_IDLE_TIMEOUT_MS: '1000' });
    base = gateway.url.replace(/\/graphql$/, '');
    authorization = `Bearer ${await signUserToken(caller, JWT_SECRET)}`;
  });
  const form = (contentType: string, body: string) => fetch(`${base}/uploads`, { method: 'POST', headers: { authorization, 'content-type': contentType }, body });
  const FILE_PART = '--XX\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc';

  it('answers a form cut short with 400 BAD_REQUEST, and serves the next upload', async () => {
    const cut = await form('multipart/form-data; boundary=XX', FILE_PART);
    expect(cut.status).toBe(400);
    expect(await cut.json()).toEqual({ errors: [{ message: 'The form could not be read: Unexpected end of form', extensions: { code: 'BAD_REQUEST' } }] });
    const whole = await form('multipart/form-data; boundary=XX', `${FILE_PART}\r\n--XX--\r\n`);
    expect(whole.status).toBe(201);
    expect(await whole.json()).toEqual({ bytes: 3 });
  });

  it('answers a form without a boundary with 400 BAD_REQUEST', async () => {
    const answer = await form('multipart/form-data', 'hello');
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ errors: [{ message: 'The form could not be read: Multipart: Boundary not found', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('answers an upload without a token once, after its body: 401 and the connection closed', async () => {
    const chunks = Array.from({ length: 4 }, () => Buffer.alloc(64 * 1024, 'x'));
    const answer = await new Promise<{ status?: number; connection?: string; body: unknown }>((done, fail) => {
      const upload = request(`${base}/uploads`, { method: 'POST', headers: { 'content-length': 4 * 64 * 1024 } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done({ status: res.statusCode, connection: res.headers.connection, body: JSON.parse(text) }));
      });
      upload.on('error', fail);
      for (const chunk of chunks) upload.write(chunk);
      upload.end();
    });
    expect(answer).toEqual({ status: 401, connection: 'close', body: { errors: [{ message: 'send Authorization: Bearer <token>', extensions: { code: 'UNAUTHENTICATED' } }] } });
  });

  it('cuts a download whose client stopped reading once nothing moved for FILE_IDLE_TIMEOUT_MS, and with it the contacts request', async () => {
    const { hostname, port } = new URL(base);
    const client = connect(Number(port), hostname, () => {
      client.write(`GET /downloads/stalled HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\n\r\n`);
      client.pause(); // reads nothing from here on
    });
    try {
      await waitFor(() => files.closed.has('stalled'), { what: 'the contacts download closed' });
    } finally {
      client.destroy();
    }
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

  it('answers a request target that is no URL, and an unknown path, with JSON errors, never an error page', async () => {
    const answer = await rawRequest(gateway.url, 'POST', '/graphql//[', JSON.stringify({ query: '{ pipelines }' }));
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/content-type: application\/json/i);
    expect(answer.slice(answer.indexOf('\r\n\r\n') + 4)).toBe(JSON.stringify({ errors: [{ message: 'The request URL is not valid', extensions: { code: 'BAD_REQUEST' } }] }));
    const unknown = await fetch(new URL('/nothing-here', gateway.url));
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] });
  });

  it('still serves both outside production, where the schema is no secret', async () => {
    const development = await start({ NODE_ENV: 'development' });
    expect((await ask(development, '{ __schema { queryType { name } } }')).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await ask(development, '{ pipeline }')).errors?.[0]?.message).toMatch(/did you mean "pipelines"/i);
    const page = await fetch(development.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).toMatch(/sandbox/i);
  });
});

describe('a subgraph app (service-kit)', () => {
  it('answers a request target that is no URL, and a body that is not JSON, with JSON errors, never an error page', async () => {
    const subgraph = await createSubgraphApp({
      name: 'deals',
      typeDefs: [fastSdl],
      resolvers: [{ Query: { pipelines: () => ['Sales'] } }],
      internalSecret: INTERNAL_SECRET,
      logger: createLogger('deals', 'silent'),
      extendContext: (base) => base,
      isReady: () => true,
    });
    const server: Server = await new Promise((done) => {
      const listening = subgraph.app.listen(0, '127.0.0.1', () => done(listening));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      const badTarget = await rawRequest(url, 'POST', '/graphql//[', JSON.stringify({ query: '{ pipelines }' }));
      expect(badTarget).toMatch(/^HTTP\/1\.1 400 /);
      expect(bodyOf(badTarget)).toEqual({ errors: [{ message: 'The request URL is not valid', extensions: { code: 'BAD_REQUEST' } }] });
      const notJson = await rawRequest(url, 'POST', '/graphql', '{"query": ');
      expect(notJson).toMatch(/^HTTP\/1\.1 400 /);
      expect(bodyOf(notJson)).toEqual({ errors: [{ message: 'The request could not be read', extensions: { code: 'BAD_REQUEST' } }] });
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await subgraph.stop();
    }
  });
});
