import type { z } from 'zod';
import { createCompanySchema, domainOf, type CompanyInput } from '../company/company.input';
import { createContactSchema, type ContactInput } from '../contact/contact.input';
import type { CustomFieldDefinitionDoc } from '../custom-field/custom-field.model';
import { nameKey } from '../shared/name-key';
import { writeRules, type WriteRules } from '../shared/write-rules';
import { ADDRESS_FIELDS, customFieldKey } from './import-fields';
import type { ColumnMapping, ImportEntity, ImportRowError } from './import-job.model';

/**
 * The tenant's write rules an import reads and writes its rows with, as createCompany and
 * createContact do: custom field definitions, required fields (completeness) and the country
 * national phone numbers are read in (the job's `defaultCountry` when it names one, else the
 * tenant's).
 */
export interface ImportRules {
  company: WriteRules;
  contact: WriteRules;
}

export async function importRules(tenantId: string, jobCountry: string | null): Promise<ImportRules> {
  const [company, contact] = await Promise.all([writeRules(tenantId, 'COMPANY'), writeRules(tenantId, 'CONTACT')]);
  const inCountry = (rules: WriteRules): WriteRules => ({ ...rules, defaultCountry: jobCountry ?? rules.defaultCountry });
  return { company: inCountry(company), contact: inCountry(contact) };
}

/** A company a row names, as the companies' create schema read it: created, or matched to an existing one by tax id or by name plus web domain. */
export interface CompanyCandidate extends CompanyInput {
  name: string;
  nameKey: string;
  domain: string | null;
  /** True when `territoryId` was found from the address (the batch places companies), not named by the row. */
  territoryFromAddress?: boolean;
}

/** A person a row names, as the contacts' create schema read them. */
export interface ContactCandidate extends ContactInput {
  firstName: string;
  lastName: string;
  nameKey: string;
  /** The primary email and phone (the create path keeps them as the first entries of emails and phones). */
  email: string | null;
  phone: string | null;
}

/** The primary email and phone of what the contacts schema read. */
const primaryChannels = (input: { emails?: { address: string; primary?: boolean }[] | null; phones?: { number: string; primary?: boolean }[] | null }) => ({
  email: (input.emails?.find((entry) => entry.primary) ?? input.emails?.[0])?.address ?? null,
  phone: (input.phones?.find((entry) => entry.primary) ?? input.phones?.[0])?.number ?? null,
});

export type RowRecord =
  | { kind: 'contact'; row: number; contact: ContactCandidate; company: CompanyCandidate | null }
  | { kind: 'company'; row: number; company: CompanyCandidate }
  | { kind: 'invalid'; row: number; errors: ImportRowError[] };

/** Reads a row's cells through the mapping: field -> trimmed text (empty cells left out). */
export function mappedValues(cells: string[], mapping: ColumnMapping[], columnIndex: Map<string, number>): Map<string, string> {
  const values = new Map<string, string>();
  for (const { column, field } of mapping) {
    const value = cells[columnIndex.get(column)!]?.trim();
    if (value) values.set(field, value);
  }
  return values;
}

/** A company row's address columns, as the address input reads them; null when the row gives none. */
function addressOf(values: Map<string, string>) {
  const parts = Object.fromEntries(ADDRESS_FIELDS.flatMap((field) => (values.has(field) ? [[field.slice('address.'.length), values.get(field)!]] : [])));
  return Object.keys(parts).length > 0 ? parts : null;
}

/** "Maria Ortega" and "Ortega, Maria" -> Maria / Ortega; "Ana de la Cruz" -> Ana / de la Cruz (first word, then the rest). */
export function splitFullName(fullName: string): { firstName: string; lastName: string } | null {
  const comma = fullName.indexOf(',');
  if (comma > 0) {
    const lastName = fullName.slice(0, comma).trim();
    const firstName = fullName.slice(comma + 1).trim();
    return firstName && lastName ? { firstName, lastName } : null;
  }
  const words = fullName.trim().split(/\s+/);
  if (words.length < 2) return null;
  return { firstName: words[0]!, lastName: words.slice(1).join(' ') };
}

/** A list in one cell: "a, b; c | d". */
const listOf = (text: string) => text.split(/[,;|]/).map((part) => part.trim()).filter(Boolean);

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEANS = new Map<string, boolean>([['true', true], ['yes', true], ['y', true], ['1', true], ['false', false], ['no', false], ['n', false], ['0', false]]);

/**
 * A cell's text as the value its custom field takes (a number, a yes/no, a list of options);
 * text that is none of these is passed on as it is, and the custom fields' own schema says
 * what is wrong with it (as for any write). Undefined keys are left to that schema too.
 */
function customValue(definition: CustomFieldDefinitionDoc | undefined, text: string): unknown {
  switch (definition?.type) {
    case 'NUMBER':
      return NUMBER.test(text) ? Number(text) : text;
    case 'BOOLEAN':
      return BOOLEANS.get(text.toLowerCase()) ?? text;
    case 'MULTI_SELECT':
      return listOf(text);
    default:
      return text;
  }
}

/**
 * Turns one row into what it stands for, through the create path's own schemas with the tenant's
 * rules (createCompanySchema, createContactSchema: trimming, lower-cased emails, E.164 phones in
 * the rules' country, custom fields checked against their definitions), or into its errors,
 * each naming its column.
 */
export function readRow(row: number, values: Map<string, string>, mapping: ColumnMapping[], entity: ImportEntity, rules: ImportRules): RowRecord {
  const errors: ImportRowError[] = [];
  const columnOf = (field: string) => mapping.find((column) => column.field === field)?.column ?? null;
  const fail = (field: string, message: string) => errors.push({ row, column: columnOf(field), message });
  /** A schema's issues, each on the column its field came from (`fields` maps schema fields to import fields). */
  const report = (issues: z.core.$ZodIssue[], fields: Record<string, string> = {}) => {
    for (const issue of issues) {
      const [head, index, part] = issue.path.map(String);
      const path = head ?? '';
      const field =
        path === 'addresses' ? `address.${part ?? 'street'}`
        : path === 'phones' ? 'phone'
        : path === 'emails' ? 'email'
        : path === 'customFields' && index !== undefined ? `customFields.${index}`
        : (fields[path] ?? path);
      fail(field, issue.message.startsWith(field) ? issue.message : `${field}: ${issue.message}`);
    }
  };
  const list = (field: string) => (values.has(field) ? listOf(values.get(field)!) : undefined);
  /** The row's custom field columns, as the custom fields input takes them (checked against the entity's definitions). */
  const customFields = (definitions: CustomFieldDefinitionDoc[]) => {
    const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
    const entries = [...values].flatMap(([field, text]) => {
      const key = customFieldKey(field);
      return key ? [{ key, value: customValue(byKey.get(key), text) }] : [];
    });
    return entries.length > 0 ? entries : undefined;
  };

  const company = (prefix: '' | 'company.'): CompanyCandidate | null => {
    const name = values.get(`${prefix}name`);
    const website = values.get(`${prefix}website`) ?? null;
    const taxId = values.get(`${prefix}taxId`) ?? null;
    const industry = values.get(`${prefix}industry`) ?? null;
    if (!name) {
      if (prefix === '' || website || taxId || industry) fail(`${prefix}name`, `${prefix}name: a company needs a name`);
      return null;
    }
    const address = prefix === '' ? addressOf(values) : null;
    const phone = values.get('phone');
    const email = values.get('email');
    // A contact row's company has its name, website, tax id and industry; a company row all its columns.
    const own =
      prefix === ''
        ? {
            ownerId: values.get('ownerId'),
            teamId: values.get('teamId'),
            territoryId: values.get('territoryId'),
            tags: list('tags'),
            phones: phone ? [{ number: phone, primary: true }] : undefined,
            emails: email ? [{ address: email, primary: true }] : undefined,
            addresses: address ? [{ ...address, primary: true }] : undefined,
            customFields: customFields(rules.company.definitions),
          }
        : {};
    const parsed = createCompanySchema(rules.company).safeParse({ name, website, taxId, industry, ...own });
    if (!parsed.success) {
      report(parsed.error.issues, { name: `${prefix}name`, website: `${prefix}website`, taxId: `${prefix}taxId`, industry: `${prefix}industry` });
      return null;
    }
    const domain = parsed.data.website ? domainOf(parsed.data.website) : null;
    return { ...parsed.data, nameKey: nameKey(parsed.data.name), domain };
  };

  if (entity === 'COMPANY') {
    const candidate = company('');
    return errors.length > 0 || !candidate ? { kind: 'invalid', row, errors } : { kind: 'company', row, company: candidate };
  }

  let firstName = values.get('firstName');
  let lastName = values.get('lastName');
  const fullName = values.get('fullName');
  if (fullName && !firstName && !lastName) {
    const split = splitFullName(fullName);
    if (split) ({ firstName, lastName } = split);
    else fail('fullName', 'fullName: give a first and a last name ("Maria Ortega" or "Ortega, Maria")');
  }
  const nameField = (field: 'firstName' | 'lastName') => (values.has(field) || !fullName ? field : 'fullName');
  const parsed = createContactSchema(rules.contact).safeParse({
    firstName: firstName ?? '',
    lastName: lastName ?? '',
    email: values.get('email'),
    phone: values.get('phone'),
    position: values.get('position'),
    department: values.get('department'),
    ownerId: values.get('ownerId'),
    teamId: values.get('teamId'),
    territoryId: values.get('territoryId'),
    tags: list('tags'),
    customFields: customFields(rules.contact.definitions),
  });
  // A name that could not be split is reported once, not again as an empty name.
  const nameless = errors.length > 0;
  if (!parsed.success) report(nameless ? parsed.error.issues.filter((issue) => issue.path[0] !== 'firstName' && issue.path[0] !== 'lastName') : parsed.error.issues, { firstName: nameField('firstName'), lastName: nameField('lastName') });
  const employer = company('company.');
  if (!parsed.success || errors.length > 0) return { kind: 'invalid', row, errors };
  const contact: ContactCandidate = { ...parsed.data, ...primaryChannels(parsed.data), nameKey: nameKey(parsed.data.firstName, parsed.data.lastName) };
  return { kind: 'contact', row, contact, company: employer };
}
