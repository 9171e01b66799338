import type { CompanyField, CompanyOrderField } from '../../generated/graphql';
import { lowerCase, text, textList, type FieldSpec, type OrderSpec } from '../list-filter/field-registry';
import { sources } from '../shared/channels.model';
import { nameKey } from '../shared/name-key';

const date = (name: string): FieldSpec => ({ name, path: name, type: 'date' });
const number = (name: string, path = name, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, path, type: 'number', ...extra });

/**
 * Every company field a filter can test: API name → store path, type and ops. A field under a
 * field right (`right`, @crm/policy deniableFields) is refused to a reader denied it.
 */
export const companyFields: Record<CompanyField, FieldSpec> = {
  ID: { name: 'id', path: '_id', type: 'objectId', ops: ['EQ', 'NEQ', 'IN'] },
  NAME: text('name', 'nameKey', { normalise: (value) => nameKey(value) }),
  WEBSITE: text('website'),
  DOMAIN: text('domain', 'domain', { normalise: lowerCase }),
  INDUSTRY: text('industry'),
  TAX_ID: text('taxId'),
  OWNER_ID: text('ownerId'),
  TEAM_ID: text('teamId'),
  TERRITORY_ID: text('territoryId'),
  SOURCE: { name: 'source', path: 'source', type: 'enum', values: sources },
  TAGS: textList('tags'),
  PHONES: textList('phones', 'phones.number', { nullPath: 'phones' }),
  EMAILS: textList('emails', 'emails.address', { nullPath: 'emails', normalise: lowerCase }),
  ADDRESSES: textList('addresses', 'addresses', { ops: ['IS_NULL'] }),
  ADDRESS_CITY: textList('addresses.city'),
  ADDRESS_REGION: textList('addresses.region'),
  ADDRESS_POSTAL_CODE: textList('addresses.postalCode'),
  ADDRESS_COUNTRY: textList('addresses.country', 'addresses.country', { normalise: (value) => value.trim().toUpperCase() }),
  MESSENGERS: textList('messengers', 'messengers.handle', { nullPath: 'messengers' }),
  POTENTIAL: number('potential', 'potential.amount', { nullPath: 'potential', right: 'Company.potential' }),
  POTENTIAL_CURRENCY: text('potential.currency', 'potential.currency', { normalise: (value) => value.trim().toUpperCase(), right: 'Company.potential' }),
  RISK_FLAGS: textList('riskFlags'),
  ABC_CLASS: { name: 'abcClass', path: 'abcClass', type: 'enum', values: ['A', 'B', 'C'] },
  ABC_UPDATED_AT: date('abcUpdatedAt'),
  COMPLETENESS_PERCENT: number('completeness.percent'),
  PROFILE_SUPPLY_STRUCTURE: text('profile.supplyStructure'),
  PROFILE_FINANCING: text('profile.financing'),
  PROFILE_MAIN_CUSTOMERS: textList('profile.mainCustomers'),
  PROFILE_SHAREHOLDERS: textList('profile.shareholders', 'profile.shareholders.name', { nullPath: 'profile.shareholders' }),
  PROFILE_SOLVENCY: text('profile.solvency', 'profile.solvency.rating', { nullPath: 'profile.solvency', right: 'Company.profile.solvency' }),
  PROFILE_COMPETITORS: textList('profile.competitors'),
  PROFILE_LITIGATION: {
    name: 'profile.litigation',
    path: 'profile.litigation.status',
    nullPath: 'profile.litigation',
    type: 'enum',
    list: true,
    values: ['OPEN', 'SETTLED', 'WON', 'LOST', 'DISMISSED'],
  },
  PROFILE_PAYMENT_TERMS: number('profile.paymentTerms', 'profile.paymentTerms.days', { nullPath: 'profile.paymentTerms' }),
  CREATED_AT: date('createdAt'),
  UPDATED_AT: date('updatedAt'),
};

/** Every company field a list can be sorted by (`right`: as for filters). */
export const companyOrderFields: Record<CompanyOrderField, OrderSpec> = {
  NAME: { name: 'name', path: 'nameKey', type: 'string' },
  CREATED_AT: { name: 'createdAt', path: 'createdAt', type: 'date' },
  UPDATED_AT: { name: 'updatedAt', path: 'updatedAt', type: 'date' },
  INDUSTRY: { name: 'industry', path: 'industry', type: 'string' },
  OWNER_ID: { name: 'ownerId', path: 'ownerId', type: 'string' },
  TEAM_ID: { name: 'teamId', path: 'teamId', type: 'string' },
  TERRITORY_ID: { name: 'territoryId', path: 'territoryId', type: 'string' },
  SOURCE: { name: 'source', path: 'source', type: 'string' },
  TAX_ID: { name: 'taxId', path: 'taxId', type: 'string' },
  ABC_CLASS: { name: 'abcClass', path: 'abcClass', type: 'string' },
  ABC_UPDATED_AT: { name: 'abcUpdatedAt', path: 'abcUpdatedAt', type: 'date' },
  POTENTIAL: { name: 'potential', path: 'potential.amount', type: 'number', right: 'Company.potential' },
  COMPLETENESS_PERCENT: { name: 'completeness.percent', path: 'completeness.percent', type: 'number' },
};
