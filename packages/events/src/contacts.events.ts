import { z } from 'zod';
import { defineEvent } from './define';
import { topics } from './topics';

export const CompanyCreated = defineEvent({
  type: 'CompanyCreated',
  version: 1,
  source: 'contacts',
  topic: topics.company,
  aggregateType: 'Company',
  data: z.object({
    companyId: z.string().min(1),
    name: z.string().min(1),
    domain: z.string().nullish(),
    ownerId: z.string().nullish(),
  }),
});

export const ContactCreated = defineEvent({
  type: 'ContactCreated',
  version: 1,
  source: 'contacts',
  topic: topics.contact,
  aggregateType: 'Contact',
  data: z.object({
    contactId: z.string().min(1),
    companyId: z.string().nullish(),
    firstName: z.string().min(1),
    lastName: z.string().min(1),
    email: z.string().nullish(),
    phone: z.string().nullish(),
    position: z.string().nullish(),
  }),
});
