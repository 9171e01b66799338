import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Loads src/apollo-telemetry.ts (Node strips its types) then @apollo/gateway in a fresh Node, as
 * dist/main.js does, builds a gateway, and tells what was loaded and what the setting became.
 */
function loadGateway(env: Record<string, string>) {
  const script = `
    require('./src/apollo-telemetry.ts');
    const { ApolloGateway } = require('@apollo/gateway');
    new ApolloGateway({ supergraphSdl: require('node:fs').readFileSync('supergraph.graphql', 'utf8') });
    const packages = Object.keys(require.cache).flatMap((file) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(file)?.[1] ?? []);
    console.log(JSON.stringify({ setting: process.env.APOLLO_TELEMETRY_DISABLED, packages: [...new Set(packages)] }));`;
  const { APOLLO_TELEMETRY_DISABLED: _inherited, ...rest } = process.env;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: resolve(__dirname, '..'), env: { ...rest, ...env }, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as { setting: string; packages: string[] };
}

describe("Apollo's usage reporting", () => {
  it('is off unless the operator turns it on, and its modules are not loaded', () => {
    const { setting, packages } = loadGateway({});
    expect(setting).toBe('true');
    expect(packages).toEqual(['@opentelemetry/api']); // the tracer's no-op API only
  });

  it('loads as Apollo ships it when the operator turns it on', () => {
    const { setting, packages } = loadGateway({ APOLLO_TELEMETRY_DISABLED: 'false' });
    expect(setting).toBe('false');
    expect(packages).toEqual(expect.arrayContaining(['@opentelemetry/sdk-metrics', '@opentelemetry/exporter-metrics-otlp-http', '@opentelemetry/resource-detector-aws']));
  });
});
