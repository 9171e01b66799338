import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { createUserTokenVerifier } from '@crm/auth';
import { createErrorFormatter, createLogger, jsonFallbacks } from '@crm/service-kit';
import express, { type ErrorRequestHandler } from 'express';
import { operationLimitsOf, type GatewayConfig } from './config';
import { buildContext, type GatewayContext } from './context';
import { finiteNumberLiterals, finiteNumberVariables } from './finite-number-literals';
import { graphqlHandler } from './graphql-handler';
import { createIdentityHeaderSigner } from './identity-header';
import { InFlight } from './in-flight';
import { installLighterExecution } from './lighter-execution';
import { limitErrorFormatter, operationLimitsPlugin } from './operation-limits';
import { SubgraphDataSource } from './subgraph-data-source';
import { createSubgraphHttp, type SubgraphHttpResponse } from './subgraph-http';
import { subgraphs, subgraphUrlVariable } from './subgraphs';
import { fileRoutes } from './uploads';
import { leadWebhookRoutes } from './lead-webhook';

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH ?? resolve(__dirname, '../supergraph.graphql'), 'utf8');
  const http = createSubgraphHttp({ timeoutMs: config.SUBGRAPH_TIMEOUT_MS });
  const limits = operationLimitsOf(config);
  const production = config.NODE_ENV === 'production';
  installLighterExecution();
  const subgraphDeps = { http, signIdentity: createIdentityHeaderSigner(config.INTERNAL_SECRET), inFlight: new InFlight<SubgraphHttpResponse>() };
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new SubgraphDataSource(name, config[subgraphUrlVariable(name)] ?? url!, subgraphDeps),
  });
  const verify = createUserTokenVerifier(
    config.JWKS_URL
      ? { jwksUrl: config.JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, maxLifetimeSeconds: config.JWT_MAX_TOKEN_LIFETIME }
      : { secret: config.JWT_SECRET!, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, maxLifetimeSeconds: config.JWT_MAX_TOKEN_LIFETIME },
  );
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: limitErrorFormatter(limits.maxTokens, createErrorFormatter(logger)),
    includeStacktraceInErrorResponses: false,
    // The schema is not shown to strangers: no introspection, no landing page and no "Did you
    // mean" suggestions in production; all of them in development and tests.
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    parseOptions: { maxTokens: limits.maxTokens },
    // The query planner cannot write an out-of-range number (1e309) into a subgraph operation.
    validationRules: [finiteNumberLiterals],
    plugins: [
      finiteNumberVariables<GatewayContext>(),
      operationLimitsPlugin<GatewayContext>(limits),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // GraphQL answers are not revalidated; hashing each body cost CPU for nothing
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  app.use(
    '/graphql',
    express.json({ limit: config.MAX_BODY_BYTES }),
    graphqlHandler(apollo, (req) => buildContext(req, verify), { maxTokens: limits.maxTokens }),
    badRequestAnswer,
  );
  app.get('/', (_req, res) => res.redirect('/graphql'));
  // Files (imports in, exports out) stream to and from the contacts service.
  const contactsGraphql = config[subgraphUrlVariable('contacts')] ?? subgraphs.find(({ name }) => name === 'contacts')!.localUrl;
  fileRoutes(app, {
    contactsUrl: contactsGraphql.replace(/\/graphql$/, ''),
    maxBytes: config.UPLOAD_MAX_BYTES,
    timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
    idleTimeoutMs: config.FILE_IDLE_TIMEOUT_MS,
    verify,
    signIdentity: subgraphDeps.signIdentity,
    logger,
  });
  // Leads from web forms and other systems, with a tenant's API key instead of a user token.
  leadWebhookRoutes(app, { contactsUrl: contactsGraphql.replace(/\/graphql$/, ''), timeoutMs: config.SUBGRAPH_TIMEOUT_MS, signIdentity: subgraphDeps.signIdentity, logger });
  // Anything else (an unknown path, an error no route answered): JSON, never Express's HTML page.
  app.use(...jsonFallbacks(logger));

  const server: Server = await new Promise((done, fail) => {
    const listening = app.listen(config.PORT, config.HOST, (error?: Error) => (error ? fail(error) : done(listening)));
  });
  // Longer than the callers' idle keep-alive, so a reused socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.HOST}:${port}/graphql`;
  logger.info({ url }, 'gateway listening');
  return {
    url,
    async stop() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      await closed;
      await apollo.stop();
      await http.close();
    },
  };
}

/** A body that is too large or not JSON: a GraphQL-shaped error, never Express's HTML page with a stack. */
const badRequestAnswer: ErrorRequestHandler = (error: { status?: unknown; type?: unknown }, _req, res, next) => {
  if (typeof error.status !== 'number' || error.status < 400 || error.status >= 500) return next(error);
  const message = error.type === 'entity.too.large' ? 'The request body is larger than the gateway accepts (MAX_BODY_BYTES)' : 'The request body is not valid JSON';
  res.status(error.status).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
};
