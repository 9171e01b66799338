import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#ContactsContext',
  mappers: {
    Company: '../modules/company/company.model#CompanyDoc',
    Contact: '../modules/contact/contact.model#ContactDoc',
    CompanyConnection: '../modules/company/company.model#CompanyConnectionView',
  },
});
