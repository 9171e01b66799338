import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/**/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        contextType: '../context#DealsContext',
        mappers: {
          Pipeline: '../modules/pipeline/pipeline.model#PipelineDoc',
          Stage: '../modules/pipeline/pipeline.model#StageDoc',
          Deal: '../modules/deal/deal.model#DealDoc',
          StageChange: '../modules/deal/deal.model#StageChangeView',
          Company: '../modules/company/company.resolvers#CompanyRef',
        },
        scalars: { DateTime: 'Date' },
      },
    },
  },
};
export default config;
