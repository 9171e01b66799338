import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'src/**/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useIndexSignature: true,
        contextType: '../context#ContactsContext',
        mappers: {
          Company: '../modules/company/company.model#CompanyDoc',
          Contact: '../modules/contact/contact.model#ContactDoc',
        },
        scalars: { DateTime: 'Date' },
      },
    },
  },
};
export default config;
