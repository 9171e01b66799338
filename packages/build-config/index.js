// Build presets shared by the services and the gateway.

/**
 * One file per service: the shared @crm/* packages are bundled in, every npm package stays
 * external (required from node_modules), .graphql files are inlined as text.
 * skipNodeModulesBundle: without it, the npm dependencies of the @crm/* packages were bundled too
 * (6 MB per service, a second copy of the MongoDB driver and BSON beside mongoose's); with it a
 * service idles at about 100 MB RSS instead of 135-145.
 */
function serviceBundle() {
  return {
    entry: ['src/main.ts'],
    format: ['cjs'],
    platform: 'node',
    target: 'node24',
    sourcemap: true,
    clean: true,
    noExternal: [/^@crm\//],
    skipNodeModulesBundle: true,
    loader: { '.graphql': 'text' },
  };
}

/**
 * Resolver types for a subgraph from its .graphql files: federation-aware, typed with the
 * service's context, with parents mapped to the mongoose document types.
 * @param {{ context: string, mappers: Record<string, string> }} options paths are relative to src/generated/
 */
function subgraphCodegen({ context, mappers }) {
  return {
    schema: 'src/**/*.graphql',
    generates: {
      'src/generated/graphql.ts': {
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          useIndexSignature: true,
          // String unions, so stored strings and GraphQL enum values share one type.
          enumsAsTypes: true,
          contextType: context,
          mappers,
          scalars: { DateTime: 'Date' },
        },
      },
    },
  };
}

module.exports = { serviceBundle, subgraphCodegen };
