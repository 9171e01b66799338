import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { IDENTITY_HEADER, verifyInternalIdentity } from '@crm/auth';
import express, { type Express } from 'express';
import { parse } from 'graphql';
import type { Logger } from 'pino';
import type { BaseContext } from './context';
import { createErrorFormatter, unauthenticated } from './errors';

export interface SubgraphAppOptions<TContext extends BaseContext> {
  name: string;
  /** SDL of the service, one string per .graphql file. */
  typeDefs: string[];
  resolvers: object[];
  internalSecret: string;
  logger: Logger;
  relay: BaseContext['relay'];
  /** Adds the service's own per-request parts (DataLoaders...) to the base context. */
  extendContext: (base: BaseContext) => TContext;
  /** Readiness: the service answers traffic only when its store is reachable. */
  isReady: () => boolean;
}

export interface SubgraphApp {
  app: Express;
  stop(): Promise<void>;
}

/** Each module contributes resolvers per type; a type may be extended by several modules. */
function mergeResolvers(maps: object[]): GraphQLResolverMap<unknown> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) merged[type] = { ...merged[type], ...fields };
  }
  return merged as GraphQLResolverMap<unknown>;
}

export async function createSubgraphApp<TContext extends BaseContext>(options: SubgraphAppOptions<TContext>): Promise<SubgraphApp> {
  const { logger } = options;
  const schema = buildSubgraphSchema({
    typeDefs: parse(options.typeDefs.join('\n')),
    resolvers: mergeResolvers(options.resolvers),
  });
  const apollo = new ApolloServer<TContext>({
    schema,
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    // Subgraphs are reached only through the gateway, which has the landing page;
    // traces go to no Apollo Studio, so the inline trace plugin only costs.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.name });
  });
  app.get('/ready', (_req, res) => {
    const ready = options.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', service: options.name });
  });
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const token = req.headers[IDENTITY_HEADER];
        if (typeof token !== 'string') throw unauthenticated('requests must come through the gateway');
        const identity = await verifyInternalIdentity(token, options.internalSecret).catch(() => {
          throw unauthenticated('invalid gateway identity');
        });
        const header = req.headers['x-correlation-id'];
        const correlationId = typeof header === 'string' && header.length <= 128 ? header : randomUUID();
        return options.extendContext({
          identity,
          tenantId: identity.tenantId,
          userId: identity.userId,
          correlationId,
          logger: logger.child({ tenantId: identity.tenantId, userId: identity.userId, correlationId }),
          relay: options.relay,
        });
      },
    }),
  );
  return { app, stop: () => apollo.stop() };
}
