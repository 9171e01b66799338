import type { ColumnMapping, ImportEntity } from './import-job.model';

/** A custom field's key, as `customFields.<key>`. */
const CUSTOM_FIELD = /^customFields\.([A-Za-z][A-Za-z0-9_]{0,63})$/;

const shared = ['ownerId', 'teamId', 'territoryId', 'tags', 'phone', 'email'] as const;

/** A company row's address (its primary one): the company is placed in a territory by it unless the row names one. */
export const ADDRESS_FIELDS = ['address.street', 'address.postalCode', 'address.city', 'address.region', 'address.country'] as const;

/** The fields a column may fill, by what the rows are (API names; see import.graphql). */
export const importFields: Record<ImportEntity, readonly string[]> = {
  CONTACT: [...shared, 'fullName', 'firstName', 'lastName', 'position', 'department', 'company.name', 'company.website', 'company.taxId', 'company.industry'],
  COMPANY: [...shared, 'name', 'website', 'industry', 'taxId', ...ADDRESS_FIELDS],
};

export const isImportField = (entity: ImportEntity, field: string) => importFields[entity].includes(field) || CUSTOM_FIELD.test(field);

export const customFieldKey = (field: string) => CUSTOM_FIELD.exec(field)?.[1];

/** Fields that make a row a person. */
const PERSON_FIELDS = new Set(['fullName', 'firstName', 'lastName']);

export const entityOf = (mapping: ColumnMapping[]): ImportEntity => (mapping.some((column) => PERSON_FIELDS.has(column.field)) ? 'CONTACT' : 'COMPANY');

/** Headings understood without a mapping, compared lower-cased without spaces, dots, dashes or underscores. */
const HEADINGS: Record<ImportEntity, Record<string, string>> = {
  CONTACT: {
    fullname: 'fullName', name: 'fullName', contact: 'fullName', contactname: 'fullName',
    firstname: 'firstName', givenname: 'firstName', lastname: 'lastName', surname: 'lastName', familyname: 'lastName',
    email: 'email', emailaddress: 'email', mail: 'email', phone: 'phone', phonenumber: 'phone', telephone: 'phone', mobile: 'phone',
    position: 'position', title: 'position', jobtitle: 'position', role: 'position', department: 'department',
    company: 'company.name', companyname: 'company.name', organisation: 'company.name', organization: 'company.name',
    website: 'company.website', companywebsite: 'company.website', taxid: 'company.taxId', vat: 'company.taxId', vatid: 'company.taxId',
    industry: 'company.industry', owner: 'ownerId', ownerid: 'ownerId', tags: 'tags',
  },
  COMPANY: {
    name: 'name', company: 'name', companyname: 'name', website: 'website', url: 'website', industry: 'industry',
    taxid: 'taxId', vat: 'taxId', vatid: 'taxId', email: 'email', phone: 'phone', telephone: 'phone', owner: 'ownerId', ownerid: 'ownerId', tags: 'tags',
    street: 'address.street', address: 'address.street', zip: 'address.postalCode', zipcode: 'address.postalCode', postalcode: 'address.postalCode', postcode: 'address.postalCode',
    city: 'address.city', town: 'address.city', region: 'address.region', state: 'address.region', province: 'address.region', country: 'address.country',
  },
};

/** A mapping from the file's headings, for an import started without one: unknown headings are left out. */
export function mappingFromHeadings(entity: ImportEntity, headings: string[]): ColumnMapping[] {
  const mapping: ColumnMapping[] = [];
  const taken = new Set<string>();
  for (const column of headings) {
    const field = HEADINGS[entity][column.toLowerCase().replace(/[\s._-]+/g, '')];
    if (field && !taken.has(field)) {
      taken.add(field);
      mapping.push({ column, field });
    }
  }
  return mapping;
}
