import type { z } from 'zod';
import { createCompanyInput, domainOf } from '../company/company.input';
import { createContactInput } from '../contact/contact.input';
import { nameKey } from '../shared/name-key';
import { ADDRESS_FIELDS, customFieldKey } from './import-fields';
import type { ColumnMapping, ImportRowError } from './import-job.model';

/** Limits of the values the create path has no schema for yet (tags, team, territory, custom fields). */
const MAX_ID = 64;
const MAX_TAGS = 50;
const MAX_TAG = 100;
const MAX_CUSTOM_TEXT = 10_000;
const MAX_DEPARTMENT = 200;

export type CompanyFields = z.infer<typeof createCompanyInput>;

/** A company a row names: created, or matched to an existing one by tax id or by name plus web domain. */
export interface CompanyCandidate extends CompanyFields {
  nameKey: string;
  /** True when `territoryId` was found from the address (the batch places companies), not named by the row. */
  territoryFromAddress?: boolean;
  domain: string | null;
  phone?: string | null;
  email?: string | null;
  teamId?: string | null;
  territoryId?: string | null;
  tags: string[];
  customFields: Record<string, string>;
}

export interface ContactCandidate extends z.infer<typeof createContactInput> {
  nameKey: string;
  /** The primary email and phone (the create path keeps them as the first entries of emails and phones). */
  email: string | null;
  phone: string | null;
  department?: string | null;
  ownerId?: string | null;
  teamId?: string | null;
  territoryId?: string | null;
  tags: string[];
  customFields: Record<string, string>;
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

/**
 * Turns one row into what it stands for, with the create path's own rules (the contacts and
 * companies input schemas: trimming, lower-cased emails, E.164 phones in the file's default
 * country), or into its errors, each naming its column.
 */
export function readRow(row: number, values: Map<string, string>, mapping: ColumnMapping[], entity: 'CONTACT' | 'COMPANY', defaultCountry: string | null): RowRecord {
  const errors: ImportRowError[] = [];
  const columnOf = (field: string) => mapping.find((column) => column.field === field)?.column ?? null;
  const fail = (field: string, message: string) => errors.push({ row, column: columnOf(field), message });
  /** A schema's issues, each on the column its field came from (`fields` maps schema paths to import fields). */
  const report = (issues: z.core.$ZodIssue[], fields: Record<string, string>) => {
    for (const issue of issues) {
      const path = issue.path[0] === 'addresses' ? `address.${String(issue.path[2] ?? 'street')}` : String(issue.path[0] ?? '');
      const field = fields[path] ?? path;
      fail(field, `${field}: ${issue.message}`);
    }
  };
  const text = (field: string, max: number) => {
    const value = values.get(field);
    if (value && value.length > max) fail(field, `${field}: at most ${max} characters`);
    return value ?? null;
  };
  const tags = () => {
    const list = [...new Set((values.get('tags') ?? '').split(/[,;|]/).map((tag) => tag.trim()).filter(Boolean))];
    if (list.length > MAX_TAGS || list.some((tag) => tag.length > MAX_TAG)) fail('tags', `tags: at most ${MAX_TAGS} tags of ${MAX_TAG} characters`);
    return list;
  };
  const customFields = () => {
    const fields: Record<string, string> = {};
    for (const [field, value] of values) {
      const key = customFieldKey(field);
      if (!key) continue;
      if (value.length > MAX_CUSTOM_TEXT) fail(field, `${field}: at most ${MAX_CUSTOM_TEXT} characters`);
      fields[key] = value;
    }
    return fields;
  };
  // Phones and emails on a company row follow the contacts' rules: the same schema reads them.
  const channels = (phone: string | null, email: string | null) => {
    if (!phone && !email) return { phone: null, email: null };
    const parsed = createContactInput.safeParse({ firstName: '-', lastName: '-', phone, email, phoneCountry: defaultCountry });
    if (parsed.success) return primaryChannels(parsed.data);
    report(parsed.error.issues, {});
    return { phone: null, email: null };
  };
  const company = (prefix: '' | 'company.') => {
    const name = values.get(`${prefix}name`);
    const website = values.get(`${prefix}website`) ?? null;
    const taxId = values.get(`${prefix}taxId`) ?? null;
    const industry = values.get(`${prefix}industry`) ?? null;
    if (!name) {
      if (prefix === '' || website || taxId || industry) fail(`${prefix}name`, `${prefix}name: a company needs a name`);
      return null;
    }
    const ownerId = prefix === '' ? text('ownerId', MAX_ID) : null;
    const address = prefix === '' ? addressOf(values) : null;
    const parsed = createCompanyInput.safeParse({ name, website, taxId, industry, ownerId, ...(address && { addresses: [{ ...address, primary: true }] }) });
    if (!parsed.success) {
      report(parsed.error.issues, { name: `${prefix}name`, website: `${prefix}website`, taxId: `${prefix}taxId`, industry: `${prefix}industry`, ownerId: 'ownerId' });
      return null;
    }
    const own = prefix === '' ? { ...channels(values.get('phone') ?? null, values.get('email') ?? null), teamId: text('teamId', MAX_ID), territoryId: text('territoryId', MAX_ID), tags: tags(), customFields: customFields() } : { tags: [], customFields: {} };
    const domain = parsed.data.website ? domainOf(parsed.data.website) : null;
    return { ...parsed.data, nameKey: nameKey(parsed.data.name), domain, ...own } satisfies CompanyCandidate;
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
  const parsed = createContactInput.safeParse({ firstName: firstName ?? '', lastName: lastName ?? '', email: values.get('email'), phone: values.get('phone'), phoneCountry: defaultCountry, position: values.get('position') });
  if (!parsed.success && errors.length === 0) report(parsed.error.issues, { firstName: nameField('firstName'), lastName: nameField('lastName') });
  const department = text('department', MAX_DEPARTMENT);
  const extra = { ownerId: text('ownerId', MAX_ID), teamId: text('teamId', MAX_ID), territoryId: text('territoryId', MAX_ID), tags: tags(), customFields: customFields() };
  const employer = company('company.');
  if (!parsed.success || errors.length > 0) return { kind: 'invalid', row, errors };
  const contact: ContactCandidate = { ...parsed.data, ...primaryChannels(parsed.data), nameKey: nameKey(parsed.data.firstName, parsed.data.lastName), department, ...extra };
  return { kind: 'contact', row, contact, company: employer };
}
