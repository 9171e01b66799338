import { createLogger, startService, type RunningService, type ServiceSpec } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type ContactsContext } from './context';
import schemaSdl from './schema.graphql';
import companySdl from './modules/company/company.graphql';
import { CompanyModel } from './modules/company/company.model';
import { companyResolvers } from './modules/company/company.resolvers';
import contactSdl from './modules/contact/contact.graphql';
import { ContactModel } from './modules/contact/contact.model';
import { contactResolvers } from './modules/contact/contact.resolvers';

export type ContactsOverrides = Partial<Pick<ServiceSpec<ContactsContext>, 'relayOptions'>>;

/** Builds and starts the contacts subgraph; main.ts adds signal handling, tests call it directly. */
export function startContacts(env: NodeJS.ProcessEnv = process.env, overrides: ContactsOverrides = {}): Promise<RunningService> {
  const config = loadConfig(env);
  return startService<ContactsContext>({
    name: 'contacts',
    config,
    logger: createLogger('contacts', config.LOG_LEVEL),
    typeDefs: [schemaSdl, companySdl, contactSdl],
    resolvers: [companyResolvers, contactResolvers],
    extendContext: createContext,
    outboxModels: [CompanyModel, ContactModel],
    ...overrides,
  });
}
