import type { EventCause } from '@crm/events';
import { authorizeChange, authorizeCreate, type Access } from '@crm/policy';
import { insertWithEvents, isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { conflict, notFound, parseInput, requireId } from '@crm/service-kit';
import { Types } from 'mongoose';
import { COMPANY_FIELDS, companyFieldValue, completenessOf } from '../completeness/required-fields';
import { diffFields, same, withCustomFields } from '../shared/changes';
import { nameKey } from '../shared/name-key';
import { taxIdKey } from '../shared/normalise';
import { claimKeys, keyChanges, ownerKeys, releaseKeys, type UniqueKey } from '../shared/unique-keys';
import { writeRules, type WriteRules } from '../shared/write-rules';
import { placingAddress, territoryOfAddress } from '../territory/address-territory';
import { companyCreatedEvents, companyUpdatedEvents, type ChangeContext } from './company.events';
import { createCompanySchema, domainOf, updateCompanySchema, type CompanyInput } from './company.input';
import { CompanyModel, type BusinessProfileDoc, type CompanyDoc } from './company.model';

/**
 * The one write path of companies: createCompany, updateCompany and changeCompany (for writers
 * that are not a client's input, such as the ABC class and completeness recomputation). Every
 * write normalises, validates against the tenant's rules, keeps unique keys, completeness and
 * derived fields current, and carries its events in the same single-document operation.
 */

/** An update retries this often when a concurrent write got in between, then answers CONFLICT. */
const MAX_ATTEMPTS = 5;

const LISTS = new Set(['tags', 'phones', 'emails', 'addresses', 'messengers', 'riskFlags']);
const PROFILE_LISTS = new Set(['mainCustomers', 'shareholders', 'competitors', 'litigation']);

const emptyProfile = (): BusinessProfileDoc => ({ supplyStructure: null, financing: null, mainCustomers: [], shareholders: [], solvency: null, competitors: [], litigation: [], paymentTerms: null });

/** The tax id is unique per tenant, compared in its key form (letters and digits). */
export const companyKeys = (company: Pick<CompanyDoc, 'taxId'>): UniqueKey[] => {
  const value = company.taxId ? taxIdKey(company.taxId) : '';
  return value ? [{ kind: 'taxId', value, field: 'taxId' }] : [];
};
export const companyKeysOfOwner = ownerKeys(CompanyModel, companyKeys);
const keysOfOwner = companyKeysOfOwner;

/** The record with a parsed input applied: absent fields stay, null clears, lists replace. */
function applyInput(before: CompanyDoc, input: CompanyInput): CompanyDoc {
  const after: Record<string, unknown> = { ...before };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (field === 'customFields') after.customFields = value === null ? {} : withCustomFields(before.customFields, value as Record<string, unknown>);
    else if (field === 'profile') {
      const profile: Record<string, unknown> = value === null ? { ...emptyProfile() } : { ...emptyProfile(), ...before.profile };
      for (const [part, partValue] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (partValue !== undefined) profile[part] = partValue ?? (PROFILE_LISTS.has(part) ? [] : null);
      }
      after.profile = profile;
    } else after[field] = value ?? (LISTS.has(field) ? [] : null);
  }
  return after as unknown as CompanyDoc;
}

/** Fields that follow from others: name key, web domain, completeness for the tenant's required set. */
function derive(company: CompanyDoc, rules: WriteRules): CompanyDoc {
  return {
    ...company,
    nameKey: nameKey(company.name),
    domain: company.website ? domainOf(company.website) : null,
    completeness: completenessOf(company, rules.requiredFields),
    completenessVersion: rules.requiredVersion,
  };
}

/** Everything a write sets (conditional on the revision it read, so setting it whole loses nothing). */
const STORED = [...COMPANY_FIELDS.filter((field) => !field.startsWith('profile.')), 'profile', 'customFields', 'nameKey', 'domain', 'abcUpdatedAt', 'completeness', 'completenessVersion', 'territoryFromAddress'];
const storedFields = (company: CompanyDoc) => Object.fromEntries(STORED.map((field) => [field, (company as unknown as Record<string, unknown>)[field] ?? null]));

/**
 * `givenId`: the id to give the new record (a saga's derived id, see lead conversion); when a record with
 * it exists already the insert fails with a duplicate key and the unique keys stay with that record.
 * `access`: the caller's rights, checked on the valid input (create for its owner, assign for another one).
 */
export async function createCompany(cause: EventCause, input: unknown, context?: ChangeContext, givenId?: string, access?: Access): Promise<CompanyDoc> {
  const rules = await writeRules(cause.tenantId, 'COMPANY');
  const fields = parseInput(createCompanySchema(rules), input);
  if (access) authorizeCreate(access, 'company', fields.ownerId);
  const company = newCompany(cause.tenantId, givenId ? new Types.ObjectId(givenId) : new Types.ObjectId(), fields, rules);
  if (fields.territoryId == null) {
    company.territoryId = await territoryOfAddress(cause.tenantId, placingAddress(company.addresses));
    company.territoryFromAddress = company.territoryId !== null;
  }
  company.ownerId ??= 'userId' in cause ? (cause.userId ?? null) : null;
  const id = company._id.toString();
  const keys = companyKeys(company);
  await claimKeys(cause.tenantId, 'Company', id, keys, keysOfOwner);
  try {
    return await insertWithEvents(CompanyModel, company, ...companyCreatedEvents(company, cause, context));
  } catch (error) {
    // The given id exists already (a saga's repeated step): its keys are that record's.
    if (!(givenId && isDuplicateKey(error))) await releaseKeys(cause.tenantId, 'Company', id, keys);
    throw error;
  }
}

/**
 * A new company from a parsed create input, with its derived fields (name key, web domain,
 * completeness for the tenant's required fields): what createCompany writes, before it places
 * the company by its address and gives it its creator as owner. Bulk writers (the import) build
 * their records with it and write them with `companyCreatedEvents`.
 */
export function newCompany(tenantId: string, id: Types.ObjectId, fields: CompanyInput, rules: WriteRules): CompanyDoc {
  const blank = {
    _id: id,
    tenantId,
    tags: [],
    phones: [],
    emails: [],
    addresses: [],
    messengers: [],
    customFields: {},
    profile: emptyProfile(),
    riskFlags: [],
    mergedIds: [],
    revision: 0,
  } as unknown as CompanyDoc;
  return derive(applyInput(blank, fields), rules);
}

/**
 * The territory after an update: an explicit territoryId (null included) is kept as chosen; new
 * addresses (`matched`: their territory) replace a territory found from the former address or
 * none, never an explicit one.
 */
function placed(before: CompanyDoc, after: CompanyDoc, explicit: boolean, matched: string | null | undefined): CompanyDoc {
  if (explicit) return { ...after, territoryFromAddress: false };
  if (matched === undefined || (before.territoryId && !before.territoryFromAddress)) return after;
  return { ...after, territoryId: matched, territoryFromAddress: matched !== null };
}

/** `access`: the caller's rights, checked on the company as read right before the conditional write. */
export async function updateCompany(cause: EventCause, id: string, input: unknown, context?: ChangeContext, access?: Access): Promise<CompanyDoc> {
  requireId(id, 'id');
  const fields = parseInput(updateCompanySchema(await writeRules(cause.tenantId, 'COMPANY')), input);
  const explicit = fields.territoryId !== undefined;
  // A new address places the company again, unless its territory was chosen explicitly.
  const matched = !explicit && fields.addresses !== undefined ? await territoryOfAddress(cause.tenantId, placingAddress(fields.addresses)) : undefined;
  const updated = await changeCompany(
    cause,
    id,
    (before) => {
      const after = placed(before, applyInput(before, fields), explicit, matched);
      if (access) authorizeChange(access, 'company', before, after);
      return after;
    },
    context,
  );
  if (!updated) throw notFound('Company', id);
  return updated;
}

/**
 * Applies `change` to the company as stored and writes the result with its events, conditional
 * on the revision read (retried when another write got in between). Null when the company does
 * not exist in the tenant; the stored company unchanged when there is nothing to write.
 */
export async function changeCompany(cause: EventCause, id: string, change: (before: CompanyDoc) => CompanyDoc, context?: ChangeContext): Promise<CompanyDoc | null> {
  const { tenantId } = cause;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const before = await CompanyModel.findOne({ _id: id, tenantId }).lean<CompanyDoc>().exec();
    if (!before) return null;
    // The rules after the record: a change of the required set meanwhile is then either seen
    // here or followed by its recomputation, which bumps the revision this write depends on.
    const rules = await writeRules(tenantId, 'COMPANY');
    const updated = await writeCompanyChange(cause, before, change(before), rules, context);
    if (updated) return updated;
  }
  throw conflict(`company ${id} is being changed by others at the same time; try again`, { existingId: id });
}

/**
 * One attempt of changeCompany on a company already read (`before`, whole): `changed` with its
 * derived fields (completeness for `rules`) is written with its events (CompanyUpdated,
 * CompanyCompletenessChanged when the completeness moved...), its new unique keys claimed (a
 * CONFLICT when another company holds one), conditional on the revision read and raising it.
 * Null when another write got in between (nothing written); `before` when nothing changes.
 * Bulk writers (the import) call it with the records they read in bulk.
 */
export async function writeCompanyChange(cause: EventCause, before: CompanyDoc, changed: CompanyDoc, rules: WriteRules, context?: ChangeContext): Promise<CompanyDoc | null> {
  const { tenantId } = cause;
  const id = before._id.toString();
  const after = derive(changed, rules);
  const changes = diffFields(before, after, COMPANY_FIELDS, companyFieldValue, (company) => company.customFields);
  const events = companyUpdatedEvents(before, after, changes, cause, context);
  if (same(storedFields(before), storedFields(after))) return before;
  const { added, removed } = keyChanges(companyKeys(before), companyKeys(after));
  await claimKeys(tenantId, 'Company', id, added, keysOfOwner);
  const updated = await updateWithEvents(CompanyModel, { _id: id, tenantId, revision: before.revision ?? null }, { $set: storedFields(after), $inc: { revision: 1 } }, ...events);
  if (!updated) {
    await releaseKeys(tenantId, 'Company', id, added);
    return null;
  }
  await releaseKeys(tenantId, 'Company', id, removed);
  return updated;
}
