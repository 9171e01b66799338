import type { EventCause } from '@crm/events';
import { insertManyWithEvents, updateWithEvents, type EventOf } from '@crm/messaging';
import { Types } from 'mongoose';
import { companyCreatedEvents, type ChangeContext } from '../company/company.events';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { changeCompany, companyKeys, companyKeysOfOwner, newCompany, writeCompanyChange } from '../company/company.write';
import { COMPANY_FIELDS, companyFieldValue } from '../completeness/required-fields';
import { contactCreated, contactUpdated } from '../contact/contact.events';
import { CONTACT_FIELDS, contactFieldValue, currentEmployment, sortEmployments } from '../contact/contact.fields';
import { ContactModel, type ContactDoc, type EmploymentDoc } from '../contact/contact.model';
import { changeContact, contactKeys, contactKeysOfOwner } from '../contact/contact.write';
import { diffFields } from '../shared/changes';
import { claimHolders, claimKeysOfNewRecords, releaseKeys } from '../shared/unique-keys';
import { placingAddress, territoryOfAddress } from '../territory/address-territory';
import { CompanyIndex, type KnownCompany } from './company-index';
import type { ImportIds } from './import-ids';
import type { ColumnMapping, ImportCounts, ImportRowError } from './import-job.model';
import type { CompanyCandidate, ContactCandidate, ImportRules, RowRecord } from './import-row';

/** What a dry run remembers of the rows it has seen, since it writes nothing the store could remember. */
export interface DryRunMemory {
  emails: Map<string, number>;
  companies: CompanyIndex;
}

export const newDryRunMemory = (): DryRunMemory => ({ emails: new Map(), companies: new CompanyIndex() });

export interface BatchJob {
  tenantId: string;
  userId: string;
  dryRun: boolean;
  mapping: ColumnMapping[];
  cause: EventCause;
  ids: ImportIds;
  /** The tenant's rules the batch's rows were read with: new and completed companies get their completeness by them. */
  rules: ImportRules;
  /** Dry runs only. */
  memory?: DryRunMemory;
}

export interface BatchOutcome {
  counts: ImportCounts;
  errors: ImportRowError[];
}

/** Completions are written with this reason on their CompanyUpdated / ContactUpdated. */
const IMPORT: ChangeContext = { reason: 'IMPORT' };

const isEmpty = (value: unknown) => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/** The record with the row's values in the fields it leaves empty: an import completes, never overwrites (tags are added, custom fields filled key by key). */
function filled<T extends object>(existing: T, proposed: Record<string, unknown>): T {
  const before = existing as Record<string, unknown>;
  const after: Record<string, unknown> = { ...before };
  for (const [field, value] of Object.entries(proposed)) {
    if (isEmpty(value)) continue;
    if (field === 'tags') after.tags = [...new Set([...((before.tags as string[] | undefined) ?? []), ...(value as string[])])];
    else if (field === 'customFields') {
      const current = (before.customFields as Record<string, unknown> | undefined) ?? {};
      const next = { ...current };
      // Own values only: a key named like an Object member (`constructor`) has none until it is set.
      for (const [key, custom] of Object.entries(value as Record<string, unknown>)) if (!(Object.hasOwn(current, key) && !isEmpty(current[key])) && !isEmpty(custom)) next[key] = custom;
      after.customFields = next;
    } else if (isEmpty(before[field])) after[field] = value;
  }
  return after as T;
}

/** An existing company completed by a company row (its derived fields, completeness included, follow in the company write path). */
function fillCompany(before: CompanyDoc, candidate: CompanyCandidate): CompanyDoc {
  const { website, taxId, industry, ownerId, teamId, territoryId, tags, customFields, phones, emails, addresses } = candidate;
  const after = filled(before, { website, taxId, industry, ownerId, teamId, territoryId, tags, customFields, phones, emails, addresses });
  // Placed by the address: the territory moves with it, as createCompany places it.
  if (isEmpty(before.territoryId) && after.territoryId && candidate.territoryFromAddress) after.territoryFromAddress = true;
  return after;
}

/**
 * An existing person completed by a contact row. As the contact write path keeps them: the role
 * (position, department) lives on the current employment and is mirrored on the person; a company
 * given to a person without one starts an employment there; the primary phone is the first of `phones`.
 */
function fillContact(before: ContactDoc, candidate: ContactCandidate, companyId: Types.ObjectId | null, now: Date): ContactDoc {
  const { ownerId, teamId, territoryId, tags, customFields } = candidate;
  const after = filled(before, { ownerId, teamId, territoryId, tags, customFields });
  const role = (held: { position?: string | null; department?: string | null }) => ({
    position: held.position || candidate.position || null,
    department: held.department || candidate.department || null,
  });
  let employments: EmploymentDoc[] = before.employments ?? [];
  const current = currentEmployment(employments);
  if (current) {
    const filledRole = role(current);
    employments = employments.map((employment) => (employment === current ? { ...employment, ...filledRole } : employment));
    Object.assign(after, filledRole);
  } else if (companyId) {
    const filledRole = role(before);
    employments = sortEmployments([...employments, { companyId, role: null, ...filledRole, decisionMaker: before.decisionMaker ?? false, start: now, end: null }]);
    Object.assign(after, filledRole, { companyId });
  } else Object.assign(after, role(before));
  after.employments = employments;
  if ((before.phones ?? []).length === 0 && (candidate.phones ?? []).length > 0) Object.assign(after, { phones: candidate.phones, phone: candidate.phone });
  return after;
}

/** What a completion of a person sets (conditional on the revision read, so setting them whole loses nothing). */
const COMPLETED_CONTACT_FIELDS = ['ownerId', 'teamId', 'territoryId', 'tags', 'customFields', 'position', 'department', 'companyId', 'employments', 'phones', 'phone'] as const;

const contactChanges = (before: ContactDoc, after: ContactDoc) => diffFields(before, after, CONTACT_FIELDS, contactFieldValue, (contact) => contact.customFields);
const companyChanges = (before: CompanyDoc, after: CompanyDoc) => diffFields(before, after, COMPANY_FIELDS, companyFieldValue, (company) => company.customFields);

/** A new person's fields; `ownerId`: their owner when the row names none (the importer, as for companies). */
const contactFields = (candidate: ContactCandidate, companyId: Types.ObjectId | null, ownerId: string) => ({
  firstName: candidate.firstName,
  lastName: candidate.lastName,
  nameKey: candidate.nameKey,
  email: candidate.email,
  phone: candidate.phone,
  emails: candidate.emails ?? [],
  phones: candidate.phones ?? [],
  position: candidate.position ?? null,
  department: candidate.department ?? null,
  companyId,
  employments: companyId ? [{ companyId, role: null, position: candidate.position ?? null, department: candidate.department ?? null, decisionMaker: false, start: null, end: null }] : [],
  ownerId: candidate.ownerId ?? ownerId,
  teamId: candidate.teamId ?? null,
  territoryId: candidate.territoryId ?? null,
  tags: candidate.tags ?? [],
  customFields: candidate.customFields ?? {},
  source: 'IMPORT',
});

/**
 * Places each company row that names no territory by its address, as createCompany does: one
 * look-up per distinct (country, region, city) of the batch.
 */
async function placeByAddress(tenantId: string, candidates: CompanyCandidate[]): Promise<void> {
  const placed = new Map<string, Promise<string | null>>();
  await Promise.all(
    candidates.map(async (candidate) => {
      const address = placingAddress(candidate.addresses);
      if (candidate.territoryId || !address) return;
      const key = JSON.stringify([address.country, address.region, address.city]);
      if (!placed.has(key)) placed.set(key, territoryOfAddress(tenantId, address));
      const territoryId = await placed.get(key)!;
      if (territoryId) Object.assign(candidate, { territoryId, territoryFromAddress: true });
    }),
  );
}

/**
 * The tenant's persons holding the batch's emails, each under every email of theirs the batch
 * names: by the primary email (`{tenantId, email}` index) and by the unique-email claims
 * (secondary emails; looked up by the claims' ids, then the holders by `_id`).
 */
async function contactsByEmail(tenantId: string, emails: string[]): Promise<Map<string, ContactDoc>> {
  if (emails.length === 0) return new Map();
  const [byPrimary, holders] = await Promise.all([
    ContactModel.find({ tenantId, email: { $in: emails } }, { outbox: 0 }).lean<ContactDoc[]>(),
    claimHolders(tenantId, 'Contact', 'email', emails),
  ]);
  const found = new Set(byPrimary.map((contact) => String(contact._id)));
  const others = [...new Set(holders.values())].filter((id) => !found.has(id) && Types.ObjectId.isValid(id));
  const bySecondary = others.length ? await ContactModel.find({ _id: { $in: others }, tenantId }, { outbox: 0 }).lean<ContactDoc[]>() : [];
  const wanted = new Set(emails);
  const byEmail = new Map<string, ContactDoc>();
  // A claim may be stale: a person is found only under an email they hold.
  for (const contact of [...byPrimary, ...bySecondary]) {
    for (const address of [contact.email, ...(contact.emails ?? []).map((entry) => entry.address)]) {
      if (address && wanted.has(address) && !byEmail.has(address)) byEmail.set(address, contact);
    }
  }
  return byEmail;
}

interface NewCompany {
  row: number;
  id: Types.ObjectId;
  /** Created for contact rows (their company column matched no company), not by a company row. */
  employer: boolean;
  doc: CompanyDoc;
}

interface NewContact {
  row: number;
  id: Types.ObjectId;
  companyId: Types.ObjectId | null;
  fields: ReturnType<typeof contactFields> & { _id: Types.ObjectId; tenantId: string };
}

interface Completion<T> {
  row: number;
  existing: T;
  /** The company the completion gives a person (their first employment), or null. */
  companyId?: Types.ObjectId | null;
  fill: (before: T) => T;
}

const codeOf = (error: unknown) => (error as { extensions?: { code?: string } }).extensions?.code;

/**
 * One batch of rows: matched against the tenant's records (a contact by any of its emails; a
 * company by tax id, or name plus web domain) and against the file's earlier rows, then written
 * in bulk with each record's created events in its own outbox. New companies are built by the
 * company write path (`newCompany`: completeness for the tenant's required fields) and published
 * as createCompany publishes them; completions go through the write paths' conditional updates
 * (revision, completeness, events). Ids are deterministic (see import-ids), so a record found with
 * this import's id and a row of this batch was written by an interrupted run of the same batch:
 * it counts as created again and its insert is a no-op.
 */
export async function importBatch(records: RowRecord[], job: BatchJob): Promise<BatchOutcome> {
  const counts: ImportCounts = { created: 0, updated: 0, skipped: 0, failed: 0, companiesCreated: 0 };
  const errors: ImportRowError[] = [];
  const firstRow = records[0]?.row ?? 0;
  const { tenantId, ids, memory, rules, cause } = job;
  const now = new Date();
  const columnOf = (field: string) => job.mapping.find((column) => column.field === field)?.column ?? null;
  const note = (row: number, field: string | null, message: string) => errors.push({ row, column: field ? columnOf(field) : null, message });
  /** Written by an interrupted run of this very batch (its row is in the batch). */
  const redone = (id: Types.ObjectId) => {
    const row = ids.rowOf(id);
    return row !== null && row >= firstRow;
  };

  // ---- the tenant's records the batch's keys name: indexed look-ups, a few per batch.
  const candidates = records.flatMap((record) => (record.kind === 'invalid' || !record.company ? [] : [record.company]));
  await placeByAddress(tenantId, candidates);
  const taxIds = [...new Set(candidates.flatMap((company) => (company.taxId ? [company.taxId] : [])))];
  const nameKeys = [...new Set(candidates.map((company) => company.nameKey))];
  const emails = [...new Set(records.flatMap((record) => (record.kind === 'contact' && record.contact.email ? [record.contact.email] : [])))];
  const [byTax, byName, contactByEmail] = await Promise.all([
    taxIds.length ? CompanyModel.find({ tenantId, taxId: { $in: taxIds } }, { outbox: 0 }).lean<CompanyDoc[]>() : [],
    nameKeys.length ? CompanyModel.find({ tenantId, nameKey: { $in: nameKeys } }, { outbox: 0 }).lean<CompanyDoc[]>() : [],
    contactsByEmail(tenantId, emails),
  ]);
  const stored = new CompanyIndex();
  const storedById = new Map<string, CompanyDoc>();
  for (const company of [...byTax, ...byName]) {
    if (storedById.has(String(company._id))) continue;
    storedById.set(String(company._id), company);
    stored.add(company);
  }

  // ---- decisions, row by row, in file order.
  const fresh = new CompanyIndex(); // companies this batch creates
  const newCompanies: NewCompany[] = [];
  const newContacts: NewContact[] = [];
  const companyCompletions: Completion<CompanyDoc>[] = [];
  const contactCompletions: Completion<ContactDoc>[] = [];
  const seenEmails = new Map<string, number>();
  /** Persons of the base completed by a row of this batch, by id: the row. */
  const completedBy = new Map<string, number>();

  const createCompany = (row: number, employer: boolean, candidate: CompanyCandidate): KnownCompany => {
    const id = ids.idOf(employer ? 'employer' : 'row', row);
    const { nameKey: _key, domain: _domain, territoryFromAddress, ...input } = candidate;
    // As createCompany builds it (derived fields, completeness), with what it then sets: its owner and its placement.
    const doc = newCompany(tenantId, id, { ...input, ownerId: candidate.ownerId ?? job.userId, territoryId: candidate.territoryId ?? null, source: 'IMPORT' }, rules.company);
    if (territoryFromAddress) doc.territoryFromAddress = true;
    const known = { _id: id, name: doc.name, nameKey: doc.nameKey, domain: doc.domain, taxId: doc.taxId, row };
    newCompanies.push({ row, id, employer, doc });
    fresh.add(known);
    memory?.companies.add(known);
    return known;
  };

  for (const record of records) {
    if (record.kind === 'invalid') {
      counts.failed += 1;
      errors.push(...record.errors);
      continue;
    }
    const { row } = record;
    if (record.kind === 'company') {
      const candidate = record.company;
      const earlier = fresh.match(candidate) ?? memory?.companies.match(candidate);
      const existing = earlier ? undefined : stored.match(candidate);
      const earlierRow = earlier?.row ?? (existing && !redone(existing._id) ? ids.rowOf(existing._id) : null);
      if (earlierRow !== null && earlierRow !== undefined) {
        counts.skipped += 1;
        note(row, candidate.taxId ? 'taxId' : 'name', `duplicate: the same company as row ${earlierRow}; skipped`);
      } else if (existing && !redone(existing._id)) {
        const before = storedById.get(String(existing._id))!;
        const fill = (company: CompanyDoc) => fillCompany(company, candidate);
        if (companyChanges(before, fill(before)).length === 0) counts.skipped += 1;
        else {
          counts.updated += 1;
          companyCompletions.push({ row, existing: before, fill });
        }
      } else {
        createCompany(row, false, candidate);
        counts.created += 1;
      }
      continue;
    }

    // A contact row.
    const candidate = record.contact;
    const email = candidate.email;
    const earlierRow = email ? (seenEmails.get(email) ?? memory?.emails.get(email)) : undefined;
    const found = email ? contactByEmail.get(email) : undefined;
    const existing = found && !redone(found._id) ? found : undefined; // a person of the base (not this batch's interrupted run)
    const existingRow = existing ? ids.rowOf(existing._id) : null;
    if (earlierRow !== undefined || existingRow !== null) {
      counts.skipped += 1;
      note(row, 'email', `duplicate: the same email as row ${earlierRow ?? existingRow}; skipped`);
      continue;
    }
    const sameContactRow = existing ? completedBy.get(String(existing._id)) : undefined;
    if (sameContactRow !== undefined) {
      counts.skipped += 1;
      note(row, 'email', `duplicate: the same contact as row ${sameContactRow}; skipped`);
      continue;
    }
    if (email) {
      seenEmails.set(email, row);
      memory?.emails.set(email, row);
    }
    // The company the row names, for a person who will work there: a new one, or one without a company yet.
    let companyId: Types.ObjectId | null = null;
    if (record.company && !existing?.companyId) {
      const known = fresh.match(record.company) ?? memory?.companies.match(record.company) ?? stored.match(record.company);
      if (known && !(known.row === undefined && redone(known._id))) companyId = known._id;
      else {
        companyId = createCompany(row, true, record.company)._id;
        counts.companiesCreated += 1;
      }
    }
    if (existing) {
      completedBy.set(String(existing._id), row);
      const fill = (contact: ContactDoc) => fillContact(contact, candidate, companyId, now);
      if (contactChanges(existing, fill(existing)).length === 0) counts.skipped += 1;
      else {
        counts.updated += 1;
        contactCompletions.push({ row, existing, companyId, fill });
      }
      continue;
    }
    const id = ids.idOf('row', row);
    newContacts.push({ row, id, companyId, fields: { _id: id, tenantId, ...contactFields(candidate, companyId, job.userId) } });
    counts.created += 1;
  }

  // ---- what is written: a company a contact row would create is written only for a person
  // written (or completed) with it, so a refused row leaves no company behind.
  /** New persons that are not written after all: reported, and left out of what follows. */
  const refuseContacts = (refused: Set<string>, field: string, message: string) => {
    if (refused.size === 0) return;
    for (const contact of newContacts.filter((contact) => refused.has(String(contact.id)))) {
      counts.created -= 1;
      counts.failed += 1;
      note(contact.row, field, message);
    }
    newContacts.splice(0, newContacts.length, ...newContacts.filter((contact) => !refused.has(String(contact.id))));
  };
  const companiesNeeded = () => {
    const employing = new Set([...newContacts, ...contactCompletions].flatMap(({ companyId }) => (companyId ? [String(companyId)] : [])));
    return newCompanies.filter((company) => {
      if (!company.employer || employing.has(String(company.id))) return true;
      counts.companiesCreated -= 1;
      return false;
    });
  };

  if (job.dryRun) {
    companiesNeeded();
    return { counts, errors: errors.sort((a, b) => a.row - b.row) };
  }

  // ---- writes. Unique values (a contact's emails, a company's tax id) are claimed as the create
  // path does, so a later createContact/createCompany meets them; a record that loses one is not
  // written. Persons' claims first (a company is written only for persons that are); then the
  // companies, each with its CompanyCreated and first CompanyCompletenessChanged; then the persons;
  // then the completions.
  const contactsWithoutKeys = await claimKeysOfNewRecords(tenantId, 'Contact', newContacts.map(({ id, fields }) => ({ entityId: String(id), keys: contactKeys(fields as Pick<ContactDoc, 'emails'>) })), contactKeysOfOwner);
  refuseContacts(contactsWithoutKeys, 'email', 'another contact with this email was created meanwhile; the row was not imported');

  const companies = companiesNeeded();
  const companiesWithoutKeys = await claimKeysOfNewRecords(tenantId, 'Company', companies.map(({ id, doc }) => ({ entityId: String(id), keys: companyKeys(doc) })), companyKeysOfOwner);
  const refusedCompanies = new Set([
    ...companiesWithoutKeys,
    ...(await insertNew(
      CompanyModel,
      tenantId,
      companies.filter(({ id }) => !companiesWithoutKeys.has(String(id))).map(({ id, doc }) => ({ id, fields: doc, events: companyCreatedEvents(doc, cause) })),
    )),
  ]);
  for (const company of companies.filter((company) => refusedCompanies.has(String(company.id)))) {
    if (company.employer) counts.companiesCreated -= 1;
    else {
      counts.created -= 1;
      counts.failed += 1;
      note(company.row, 'taxId', 'another company with this key was created meanwhile; the row was not imported');
    }
  }
  const withoutCompany = new Set(newContacts.filter(({ companyId }) => companyId && refusedCompanies.has(String(companyId))).map(({ id }) => String(id)));
  for (const contact of newContacts.filter(({ id }) => withoutCompany.has(String(id)))) {
    await releaseKeys(tenantId, 'Contact', String(contact.id), contactKeys(contact.fields as Pick<ContactDoc, 'emails'>));
  }
  refuseContacts(withoutCompany, 'company.name', "the row's company could not be created (another with its key was created meanwhile)");

  const refusedContacts = await insertNew(
    ContactModel,
    tenantId,
    newContacts.map(({ id, fields }) => ({ id, fields, events: [(doc: unknown) => contactCreated(doc as ContactDoc, cause)] })),
  );
  refuseContacts(refusedContacts, 'email', 'another contact with this email was created meanwhile; the row was not imported');

  const unchanged = () => {
    counts.updated -= 1;
    counts.skipped += 1;
  };
  const refusedCompletion = (row: number, field: string | null, message: string) => {
    counts.updated -= 1;
    counts.failed += 1;
    note(row, field, message);
  };
  for (const completion of companyCompletions) {
    const id = String(completion.existing._id);
    let read = completion.existing;
    try {
      // With the company as the batch read it; when another write got in between, as updateCompany does (read again, retried).
      const written =
        (await writeCompanyChange(cause, completion.existing, completion.fill(completion.existing), rules.company, IMPORT)) ??
        (await changeCompany(cause, id, (before) => completion.fill((read = before)), IMPORT));
      if (!written || written === read) unchanged();
    } catch (error) {
      if (codeOf(error) !== 'CONFLICT') throw error;
      // A tax id the row would give the company belongs to another one.
      const field = (error as { extensions?: { field?: string } }).extensions?.field ?? null;
      refusedCompletion(completion.row, field === 'taxId' ? 'taxId' : null, `${(error as Error).message}; the row was not imported`);
    }
  }
  for (const completion of contactCompletions) {
    const { existing, companyId } = completion;
    if (companyId && refusedCompanies.has(String(companyId))) {
      refusedCompletion(completion.row, 'company.name', "the row's company could not be created (another with its key was created meanwhile)");
      continue;
    }
    const after = completion.fill(existing);
    const set = Object.fromEntries(COMPLETED_CONTACT_FIELDS.map((field) => [field, after[field] ?? null]));
    let read = existing;
    try {
      const written =
        (await updateWithEvents(ContactModel, { _id: existing._id, tenantId, revision: existing.revision ?? null }, { $set: set, $inc: { revision: 1 } }, contactUpdated(after, contactChanges(existing, after), cause, IMPORT))) ??
        (await changeContact(cause, String(existing._id), (before) => completion.fill((read = before)), IMPORT));
      if (!written || written === read) unchanged();
    } catch (error) {
      const code = codeOf(error);
      if (code !== 'CONFLICT' && code !== 'NOT_FOUND') throw error;
      refusedCompletion(completion.row, null, `${(error as Error).message}; the row was not imported`);
    }
  }
  return { counts, errors: errors.sort((a, b) => a.row - b.row) };
}

/**
 * Inserts the batch's new records with their created events; returns the ids a unique index
 * refused that are not in the store (a record with another's unique key, written meanwhile).
 * Refused ids that are there were written by an interrupted run of this batch: nothing to do.
 */
async function insertNew(
  model: typeof CompanyModel | typeof ContactModel,
  tenantId: string,
  docs: { id: Types.ObjectId; fields: object; events: EventOf<unknown>[] }[],
): Promise<Set<string>> {
  const { duplicates } = await insertManyWithEvents(model as any, docs.map(({ fields, events }) => ({ fields, events })) as any);
  if (duplicates.length === 0) return new Set();
  const ids = duplicates.map((index) => docs[index]!.id);
  const there = new Set((await (model as typeof ContactModel).find({ tenantId, _id: { $in: ids } }, { _id: 1 }).lean()).map((doc) => String(doc._id)));
  return new Set(ids.map(String).filter((id) => !there.has(id)));
}
