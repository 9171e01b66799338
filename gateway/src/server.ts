import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { createUserTokenVerifier } from '@crm/auth';
import { createErrorFormatter, createLogger } from '@crm/service-kit';
import express from 'express';
import type { GatewayConfig } from './config';
import { buildContext, type GatewayContext } from './context';
import { graphqlHandler } from './graphql-handler';
import { createIdentityHeaderSigner } from './identity-header';
import { InFlight } from './in-flight';
import { SubgraphDataSource } from './subgraph-data-source';
import { createSubgraphHttp, type SubgraphHttpResponse } from './subgraph-http';
import { subgraphUrlVariable } from './subgraphs';

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH ?? resolve(__dirname, '../supergraph.graphql'), 'utf8');
  const http = createSubgraphHttp();
  const subgraphDeps = { http, signIdentity: createIdentityHeaderSigner(config.INTERNAL_SECRET), inFlight: new InFlight<SubgraphHttpResponse>() };
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new SubgraphDataSource(name, config[subgraphUrlVariable(name)] ?? url!, subgraphDeps),
  });
  const verify = createUserTokenVerifier(
    config.JWKS_URL
      ? { jwksUrl: config.JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }
      : { secret: config.JWT_SECRET!, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE },
  );
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    plugins: [
      config.NODE_ENV === 'production'
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // GraphQL answers are not revalidated; hashing each body cost CPU for nothing
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' });
  });
  app.use('/graphql', express.json({ limit: '1mb' }), graphqlHandler(apollo, (req) => buildContext(req, verify)));
  app.get('/', (_req, res) => res.redirect('/graphql'));

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
