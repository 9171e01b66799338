// Child process entry: the stock gateway, as its documentation starts it: ApolloGateway over the
// supergraph file, inside ApolloServer's standalone server, with the default fetcher. Plain
// JavaScript, run by plain node: a TypeScript loader would turn on source maps, which make the
// default fetcher's per-request stack traces (agent-base) costlier than in production.
const { readFileSync } = require('node:fs');
const { ApolloGateway } = require('@apollo/gateway');
const { ApolloServer } = require('@apollo/server');
const { startStandaloneServer } = require('@apollo/server/standalone');

async function main() {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH, 'utf8') });
  const server = new ApolloServer({ gateway });
  await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(process.env.PORT) } });
  // Exit on SIGTERM through process.exit, so that a --cpu-prof profile gets written.
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
