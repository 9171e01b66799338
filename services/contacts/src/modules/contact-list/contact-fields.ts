import type { ContactField, ContactOrderField } from '../../generated/graphql';
import { lowerCase, text, textList, type FieldSpec, type OrderSpec } from '../list-filter/field-registry';
import { sources } from '../shared/channels.model';
import { nameKey } from '../shared/name-key';

const date = (name: string): FieldSpec => ({ name, path: name, type: 'date' });

/** Every contact field a filter can test: API name → store path, type and ops. */
export const contactFields: Record<ContactField, FieldSpec> = {
  ID: { name: 'id', path: '_id', type: 'objectId', ops: ['EQ', 'NEQ', 'IN'] },
  FIRST_NAME: text('firstName'),
  LAST_NAME: text('lastName'),
  NAME: text('name', 'nameKey', { normalise: (value) => nameKey(value) }),
  EMAIL: text('email', 'email', { normalise: lowerCase }),
  PHONE: text('phone'),
  EMAILS: textList('emails', 'emails.address', { nullPath: 'emails', normalise: lowerCase }),
  PHONES: textList('phones', 'phones.number', { nullPath: 'phones' }),
  ADDRESSES: textList('addresses', 'addresses', { ops: ['IS_NULL'] }),
  ADDRESS_CITY: textList('addresses.city'),
  ADDRESS_COUNTRY: textList('addresses.country', 'addresses.country', { normalise: (value) => value.trim().toUpperCase() }),
  MESSENGERS: textList('messengers', 'messengers.handle', { nullPath: 'messengers' }),
  POSITION: text('position'),
  DEPARTMENT: text('department'),
  DECISION_MAKER: { name: 'decisionMaker', path: 'decisionMaker', type: 'boolean' },
  COMPANY_ID: { name: 'companyId', path: 'companyId', type: 'objectId' },
  REPORTS_TO_ID: { name: 'reportsToId', path: 'reportsTo', type: 'objectId' },
  EMPLOYMENTS: { name: 'employments', path: 'employments.companyId', nullPath: 'employments', type: 'objectId', list: true },
  SOURCE: { name: 'source', path: 'source', type: 'enum', values: sources },
  OWNER_ID: text('ownerId'),
  TEAM_ID: text('teamId'),
  TERRITORY_ID: text('territoryId'),
  INDUSTRY: text('industry'),
  TAGS: textList('tags'),
  CREATED_AT: date('createdAt'),
  UPDATED_AT: date('updatedAt'),
};

const string = (name: string, path = name): OrderSpec => ({ name, path, type: 'string' });

/** Every contact field a list can be sorted by. */
export const contactOrderFields: Record<ContactOrderField, OrderSpec> = {
  NAME: string('name', 'nameKey'),
  FIRST_NAME: string('firstName'),
  LAST_NAME: string('lastName'),
  EMAIL: string('email'),
  POSITION: string('position'),
  DEPARTMENT: string('department'),
  COMPANY_ID: { name: 'companyId', path: 'companyId', type: 'objectId' },
  OWNER_ID: string('ownerId'),
  TEAM_ID: string('teamId'),
  TERRITORY_ID: string('territoryId'),
  INDUSTRY: string('industry'),
  SOURCE: string('source'),
  CREATED_AT: { name: 'createdAt', path: 'createdAt', type: 'date' },
  UPDATED_AT: { name: 'updatedAt', path: 'updatedAt', type: 'date' },
};
