import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/**/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        // String unions, so stored strings and GraphQL enum values share one type.
        enumsAsTypes: true,
        contextType: '../context#ActivitiesContext',
        mappers: {
          Activity: '../modules/activity/activity.model#ActivityDoc',
          Deal: '../modules/activity/activity.model#DealRef',
        },
        scalars: { DateTime: 'Date' },
      },
    },
  },
};
export default config;
