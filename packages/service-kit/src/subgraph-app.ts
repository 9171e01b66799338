import { randomUUID } from 'node:crypto';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { IDENTITY_HEADER, verifyInternalIdentity } from '@crm/auth';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import { parse } from 'graphql';
import type { Logger } from 'pino';
import type { BaseContext } from './context';
import { createErrorFormatter, ErrorCode, unauthenticated } from './errors';
import { withFreshLoadersAfterMutations } from './fresh-loaders';

export interface SubgraphAppOptions<TContext extends BaseContext> {
  name: string;
  /** SDL of the service, one string per .graphql file. */
  typeDefs: string[];
  resolvers: object[];
  internalSecret: string;
  logger: Logger;
  /** Adds the service's own per-request parts (DataLoaders...) to the base context. */
  extendContext: (base: BaseContext) => TContext | Promise<TContext>;
  /** Readiness: the service answers traffic only when its store is reachable (the broker may be down: events wait in the outbox). */
  isReady: () => boolean;
  /** Liveness details for /health, such as the broker's state; never a reason to restart or unroute. */
  health?: () => object;
  /**
   * Routes beside /graphql (a file upload, a download), mounted before it; `identify` verifies
   * the gateway's signed identity as /graphql does (it throws UNAUTHENTICATED).
   */
  routes?: (app: Express, identify: (req: Request) => Promise<BaseContext>) => void;
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

const jsonError = (res: Response, status: number, code: string, message: string) => void res.status(status).json({ errors: [{ message, extensions: { code } }] });

/**
 * The query string of a request. A raw request target such as `//[` is no URL (new URL throws):
 * undefined, answered as a bad request.
 */
export const searchOf = (req: Request) => URL.parse(req.url, 'http://localhost')?.search;

/**
 * An app's last handlers: a path no route serves, and an error nothing answered before (a body
 * that is not JSON, a bug), answered as JSON errors. Express's own are HTML pages, with the stack
 * outside production.
 */
export function jsonFallbacks(logger: Logger): [RequestHandler, ErrorRequestHandler] {
  const notFound: RequestHandler = (_req, res) => jsonError(res, 404, ErrorCode.NOT_FOUND, 'Not found');
  const failed: ErrorRequestHandler = (error: { status?: unknown }, req, res, _next) => {
    // A 4xx (body-parser's, say) is the client's mistake; anything else is ours, and logged.
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return void res.destroy();
    if (status === 500) return jsonError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
    jsonError(res, status, 'BAD_REQUEST', status === 413 ? 'The request body is too large' : 'The request could not be read');
  };
  return [notFound, failed];
}

/**
 * POST/GET /graphql into Apollo, as @as-integrations/express5 does, but reading the query string
 * with the WHATWG URL API: that package calls the deprecated url.parse() (DEP0169) on every request.
 */
function graphqlHandler<TContext extends BaseContext>(apollo: ApolloServer<TContext>, context: (req: Request) => Promise<TContext>): RequestHandler {
  return async (req, res, next) => {
    try {
      const search = searchOf(req);
      if (search === undefined) return jsonError(res, 400, 'BAD_REQUEST', 'The request URL is not valid');
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search, body: req.body },
        context: () => context(req),
      });
      for (const [name, value] of response.headers) res.setHeader(name, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      next(error);
    }
  };
}

export async function createSubgraphApp<TContext extends BaseContext>(options: SubgraphAppOptions<TContext>): Promise<SubgraphApp> {
  const { logger } = options;
  const schema = buildSubgraphSchema({
    typeDefs: parse(options.typeDefs.join('\n')),
    resolvers: withFreshLoadersAfterMutations(mergeResolvers(options.resolvers)),
  });
  const apollo = new ApolloServer<TContext>({
    schema,
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    // Subgraphs are reached only through the gateway, which has the landing page;
    // traces go to no Apollo Studio, so the inline trace plugin only costs; no schema declares
    // @cacheControl and no cache reads the hints, so the cache-control plugin (on by default,
    // it wraps every field's resolver to compute them) only costs too.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: options.name, ...options.health?.() });
  });
  app.get('/ready', (_req, res) => {
    const ready = options.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', service: options.name });
  });
  const identify = async (req: Request): Promise<BaseContext> => {
    const token = req.headers[IDENTITY_HEADER];
    if (typeof token !== 'string') throw unauthenticated('requests must come through the gateway');
    const identity = await verifyInternalIdentity(token, options.internalSecret).catch(() => {
      throw unauthenticated('invalid gateway identity');
    });
    const header = req.headers['x-correlation-id'];
    const correlationId = typeof header === 'string' && header.length <= 128 ? header : randomUUID();
    return {
      identity,
      tenantId: identity.tenantId,
      userId: identity.userId,
      correlationId,
      logger: logger.child({ tenantId: identity.tenantId, userId: identity.userId, correlationId }),
    };
  };
  options.routes?.(app, identify);
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    graphqlHandler(apollo, async (req) => options.extendContext(await identify(req))),
  );
  app.use(...jsonFallbacks(logger));
  return { app, stop: () => apollo.stop() };
}
