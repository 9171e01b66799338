import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/**/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        contextType: '../context#AnalyticsContext',
        mappers: {
          Funnel: '../modules/funnel/funnel.model#FunnelDoc',
        },
        scalars: { DateTime: 'Date' },
      },
    },
  },
};
export default config;
