// Four small Federation 2 subgraphs with the real services' schemas (their .graphql files, the
// ones gateway/supergraph.graphql is composed from) and trivial in-memory resolvers. Each one
// counts the entity representations it receives and how many of them repeat within a request,
// and caches whole responses by request body so that the gateways, not the subgraphs, are measured.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import * as data from './static-data';

export const subgraphNames = ['contacts', 'deals', 'activities', 'analytics'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

const root = resolve(__dirname, '../../../..');

function graphqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? graphqlFiles(join(dir, entry.name)) : entry.name.endsWith('.graphql') ? [join(dir, entry.name)] : []))
    .sort();
}

const typeDefs = (name: SubgraphName) => parse(graphqlFiles(join(root, 'services', name, 'src')).map((file) => readFileSync(file, 'utf8')).join('\n'));

type Ref = { id: string };
const byId = <T>(make: (id: string) => T) => (_: unknown, { id }: Ref) => make(id);
const reference = <T>(make: (id: string) => T) => ({ __resolveReference: ({ id }: Ref) => make(id) });

const resolvers = {
  contacts: {
    Query: { company: byId(data.company), contact: byId(data.contact), companies: (_: unknown, args: { first?: number; after?: string }) => data.companyPage(args.first ?? 20, args.after) },
    Company: { ...reference(data.company), contacts: ({ id }: Ref) => data.contactsOf(id) },
    Contact: reference(data.contact),
  },
  deals: {
    Query: { deal: byId(data.deal), pipeline: byId(data.pipeline), pipelines: () => [data.pipeline('pl~main'), data.pipeline('pl~other')] },
    Deal: reference(data.deal),
    Pipeline: reference(data.pipeline),
    Company: { __resolveReference: ({ id }: Ref) => ({ id }), deals: ({ id }: Ref) => data.dealsOf(id) },
  },
  activities: {
    Query: { activity: byId(data.activity), activities: (_: unknown, args: { dealId?: string }) => data.activitiesOf(args.dealId ?? 'dl~none~0') },
    Activity: reference(data.activity),
    Deal: { __resolveReference: ({ id }: Ref) => ({ id }), activities: ({ id }: Ref) => data.activitiesOf(id) },
  },
  analytics: {
    Query: { funnel: (_: unknown, { pipelineId }: { pipelineId: string }) => data.funnel(pipelineId) },
    Pipeline: { __resolveReference: ({ id }: Ref) => ({ id }), funnel: ({ id }: Ref) => data.funnel(id) },
  },
} as const;

export interface SubgraphCounts {
  requests: number;
  /** Requests carrying `representations` (entity fetches). */
  entityRequests: number;
  representations: number;
  /** Representations equal to an earlier one in the same request. */
  duplicates: number;
}

export const emptyCounts = (): SubgraphCounts => ({ requests: 0, entityRequests: 0, representations: 0, duplicates: 0 });

/** Counts one subgraph request's representations; duplicates are compared as JSON. */
export function countRepresentations(counts: SubgraphCounts, variables: { representations?: unknown[] } | undefined): void {
  counts.requests += 1;
  const representations = variables?.representations;
  if (!Array.isArray(representations)) return;
  counts.entityRequests += 1;
  counts.representations += representations.length;
  counts.duplicates += representations.length - new Set(representations.map((rep) => JSON.stringify(rep))).size;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });

function subgraphHandler(schema: GraphQLSchema, counts: SubgraphCounts) {
  const documents = new Map<string, DocumentNode>();
  const responses = new Map<string, string>();
  return async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const request = JSON.parse(body) as { query: string; variables?: Record<string, unknown>; operationName?: string };
    countRepresentations(counts, request.variables as { representations?: unknown[] });
    let text = responses.get(body);
    if (text === undefined) {
      let document = documents.get(request.query);
      if (!document) documents.set(request.query, (document = parse(request.query)));
      text = JSON.stringify(await execute({ schema, document, variableValues: request.variables, operationName: request.operationName }));
      if (responses.size > 20_000) responses.clear();
      responses.set(body, text);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
}

export interface StaticSubgraphs {
  urls: Record<SubgraphName, string>;
  counts: Record<SubgraphName, SubgraphCounts>;
  stop(): Promise<void>;
}

/** Starts the four subgraphs on free loopback ports (in this process). */
export async function startStaticSubgraphs(): Promise<StaticSubgraphs> {
  const counts = Object.fromEntries(subgraphNames.map((name) => [name, emptyCounts()])) as Record<SubgraphName, SubgraphCounts>;
  const servers: Server[] = [];
  const urls = {} as Record<SubgraphName, string>;
  for (const name of subgraphNames) {
    const schema = buildSubgraphSchema({ typeDefs: typeDefs(name), resolvers: resolvers[name] as never });
    const handle = subgraphHandler(schema, counts[name]);
    const server = createServer((req, res) => {
      handle(req, res).catch((error: Error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: error.message }] }));
      });
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    servers.push(server);
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }
  return {
    urls,
    counts,
    async stop() {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
    },
  };
}
