import { companyKeys, companyKeysOfOwner } from '../company/company.write';
import { contactKeys, contactKeysOfOwner } from '../contact/contact.write';
import { claimKeysOfNewRecords } from '../shared/unique-keys';
import { CompanyUpdated, ContactUpdated, createEvent, eventMeta, type Envelope, type EventCause } from '@crm/events';
import { insertManyWithEvents, updateWithEvents } from '@crm/messaging';
import { Types } from 'mongoose';
import { companyCreated } from '../company/company.events';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { contactCreated } from '../contact/contact.events';
import { ContactModel, type ContactDoc } from '../contact/contact.model';
import { placingAddress, territoryOfAddress } from '../territory/address-territory';
import { CompanyIndex, type KnownCompany } from './company-index';
import type { ImportIds } from './import-ids';
import type { ColumnMapping, ImportCounts, ImportRowError } from './import-job.model';
import type { CompanyCandidate, ContactCandidate, RowRecord } from './import-row';

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
  /** Dry runs only. */
  memory?: DryRunMemory;
}

export interface BatchOutcome {
  counts: ImportCounts;
  errors: ImportRowError[];
}

type Change = { field: string; from: unknown; to: unknown };

interface PendingUpdate {
  model: typeof CompanyModel | typeof ContactModel;
  row: number;
  id: Types.ObjectId;
  /** The values read, as the update's condition: a record changed meanwhile is left alone. */
  expected: Record<string, unknown>;
  set: Record<string, unknown>;
  changes: Change[];
  event: () => Envelope;
}

const isEmpty = (value: unknown) => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/** The row's values for fields the record leaves empty: an import completes, never overwrites. */
function fillBlanks(existing: Record<string, unknown>, proposed: Record<string, unknown>): { set: Record<string, unknown>; expected: Record<string, unknown>; changes: Change[] } {
  const set: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  const changes: Change[] = [];
  for (const [field, value] of Object.entries(proposed)) {
    if (isEmpty(value)) continue;
    if (field === 'tags') {
      const current = (existing.tags as string[] | undefined) ?? [];
      const added = (value as string[]).filter((tag) => !current.includes(tag));
      if (added.length === 0) continue;
      set.tags = [...current, ...added];
      expected.tags = current;
      changes.push({ field: 'tags', from: current, to: set.tags });
    } else if (field === 'customFields') {
      const current = (existing.customFields as Record<string, unknown> | undefined) ?? {};
      for (const [key, custom] of Object.entries(value as Record<string, unknown>)) {
        if (!isEmpty(current[key])) continue;
        set[`customFields.${key}`] = custom;
        changes.push({ field: `customFields.${key}`, from: current[key] ?? null, to: custom });
      }
    } else if (isEmpty(existing[field])) {
      set[field] = value;
      expected[field] = existing[field] ?? null;
      // Ids as text in the change (events are JSON).
      changes.push({ field, from: existing[field] ?? null, to: value instanceof Types.ObjectId ? String(value) : value });
    }
  }
  return { set, expected, changes };
}

const channelFields = (phone?: string | null, email?: string | null) => ({
  phones: phone ? [{ type: 'WORK', number: phone, primary: true }] : [],
  emails: email ? [{ type: 'WORK', address: email, primary: true }] : [],
});

const companyFields = (candidate: CompanyCandidate, ownerId: string) => ({
  name: candidate.name,
  nameKey: candidate.nameKey,
  website: candidate.website,
  domain: candidate.domain,
  taxId: candidate.taxId,
  industry: candidate.industry,
  ownerId: candidate.ownerId ?? ownerId,
  teamId: candidate.teamId ?? null,
  territoryId: candidate.territoryId ?? null,
  ...(candidate.territoryFromAddress && { territoryFromAddress: true }),
  addresses: candidate.addresses ?? [],
  tags: candidate.tags,
  customFields: candidate.customFields,
  ...channelFields(candidate.phone, candidate.email),
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

/** `ownerId`: a new person's owner when the row names none (the importer, as for companies). */
const contactFields = (candidate: ContactCandidate, companyId: Types.ObjectId | null, ownerId: string | null = null) => ({
  firstName: candidate.firstName,
  lastName: candidate.lastName,
  nameKey: candidate.nameKey,
  email: candidate.email,
  phone: candidate.phone,
  ...channelFields(candidate.phone, candidate.email),
  position: candidate.position,
  department: candidate.department ?? null,
  companyId,
  employments: companyId ? [{ companyId, position: candidate.position, department: candidate.department ?? null, decisionMaker: false }] : [],
  ownerId: candidate.ownerId ?? ownerId,
  teamId: candidate.teamId ?? null,
  territoryId: candidate.territoryId ?? null,
  tags: candidate.tags,
  customFields: candidate.customFields,
  source: 'IMPORT',
});

/**
 * One batch of rows: matched against the tenant's records (a contact by email; a company by tax
 * id, or name plus web domain) and against the file's earlier rows, then written in bulk with
 * each record's created event in its own outbox. Ids are deterministic (see import-ids), so a
 * record found with this import's id and a row of this batch was written by an interrupted run
 * of the same batch: it counts as created again and its insert is a no-op.
 */
export async function importBatch(records: RowRecord[], job: BatchJob): Promise<BatchOutcome> {
  const counts: ImportCounts = { created: 0, updated: 0, skipped: 0, failed: 0, companiesCreated: 0 };
  const errors: ImportRowError[] = [];
  const firstRow = records[0]?.row ?? 0;
  const { tenantId, ids, memory } = job;
  const columnOf = (field: string) => job.mapping.find((column) => column.field === field)?.column ?? null;
  /** Written by an interrupted run of this very batch (its row is in the batch). */
  const redone = (id: Types.ObjectId) => {
    const row = ids.rowOf(id);
    return row !== null && row >= firstRow;
  };

  // ---- the tenant's records the batch's keys name: three indexed look-ups per batch.
  const candidates = records.flatMap((record) => (record.kind === 'invalid' || !record.company ? [] : [record.company]));
  await placeByAddress(tenantId, candidates);
  const taxIds = [...new Set(candidates.flatMap((company) => (company.taxId ? [company.taxId] : [])))];
  const nameKeys = [...new Set(candidates.map((company) => company.nameKey))];
  const emails = [...new Set(records.flatMap((record) => (record.kind === 'contact' && record.contact.email ? [record.contact.email] : [])))];
  const [byTax, byName, contacts] = await Promise.all([
    taxIds.length ? CompanyModel.find({ tenantId, taxId: { $in: taxIds } }, { outbox: 0 }).lean<CompanyDoc[]>() : [],
    nameKeys.length ? CompanyModel.find({ tenantId, nameKey: { $in: nameKeys } }, { outbox: 0 }).lean<CompanyDoc[]>() : [],
    emails.length ? ContactModel.find({ tenantId, email: { $in: emails } }, { outbox: 0 }).lean<ContactDoc[]>() : [],
  ]);
  const stored = new CompanyIndex();
  const storedById = new Map<string, CompanyDoc>();
  for (const company of [...byTax, ...byName]) {
    if (storedById.has(String(company._id))) continue;
    storedById.set(String(company._id), company);
    stored.add(company);
  }
  const contactByEmail = new Map(contacts.map((contact) => [contact.email!, contact]));

  // ---- decisions, row by row, in file order.
  const fresh = new CompanyIndex(); // companies this batch creates
  const newCompanies: { row: number; id: Types.ObjectId; employer: boolean; fields: Record<string, unknown> }[] = [];
  const newContacts: { row: number; id: Types.ObjectId; fields: Record<string, unknown> }[] = [];
  const updates: PendingUpdate[] = [];
  const seenEmails = new Map<string, number>();
  const note = (row: number, field: string, message: string) => errors.push({ row, column: columnOf(field), message });

  const createCompany = (row: number, employer: boolean, candidate: CompanyCandidate): KnownCompany => {
    const id = ids.idOf(employer ? 'employer' : 'row', row);
    const known = { _id: id, name: candidate.name, nameKey: candidate.nameKey, domain: candidate.domain, taxId: candidate.taxId, row };
    newCompanies.push({ row, id, employer, fields: { _id: id, tenantId, ...companyFields(candidate, job.userId) } });
    fresh.add(known);
    memory?.companies.add(known);
    return known;
  };
  const companyUpdate = (row: number, existing: CompanyDoc, candidate: CompanyCandidate) => {
    const { nameKey: _key, name: _name, domain, source: _source, territoryFromAddress, ...proposed } = { ...companyFields(candidate, ''), ownerId: candidate.ownerId ?? null };
    const blanks = fillBlanks(existing as unknown as Record<string, unknown>, proposed);
    if (blanks.changes.length === 0) return false;
    if (blanks.set.website) blanks.set.domain = domain; // the web domain follows the website
    if (blanks.set.territoryId && territoryFromAddress) blanks.set.territoryFromAddress = true; // placed by the address: moves with it
    updates.push({
      model: CompanyModel,
      row,
      id: existing._id,
      ...blanks,
      event: () => createEvent(CompanyUpdated, eventMeta(job.cause, String(existing._id)), { companyId: String(existing._id), name: existing.name, changes: blanks.changes }),
    });
    return true;
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
        if (companyUpdate(row, storedById.get(String(existing._id))!, candidate)) counts.updated += 1;
        else counts.skipped += 1;
      } else {
        createCompany(row, false, candidate);
        counts.created += 1;
      }
      continue;
    }

    // A contact row, and the company it names.
    let companyId: Types.ObjectId | null = null;
    if (record.company) {
      const known = fresh.match(record.company) ?? memory?.companies.match(record.company) ?? stored.match(record.company);
      if (known && !(known.row === undefined && redone(known._id))) companyId = known._id;
      else {
        companyId = createCompany(row, true, record.company)._id;
        counts.companiesCreated += 1;
      }
    }
    const candidate = record.contact;
    const email = candidate.email;
    const earlierRow = email ? (seenEmails.get(email) ?? memory?.emails.get(email)) : undefined;
    const existing = email ? contactByEmail.get(email) : undefined;
    const existingRow = existing && !redone(existing._id) ? ids.rowOf(existing._id) : null;
    if (earlierRow !== undefined || existingRow !== null) {
      counts.skipped += 1;
      note(row, 'email', `duplicate: the same email as row ${earlierRow ?? existingRow}; skipped`);
      continue;
    }
    if (email) {
      seenEmails.set(email, row);
      memory?.emails.set(email, row);
    }
    if (existing && !redone(existing._id)) {
      const { firstName: _f, lastName: _l, nameKey: _k, email: _e, emails: _es, phones: _ps, employments: _em, source: _s, ...proposed } = contactFields(candidate, companyId);
      const blanks = fillBlanks(existing as unknown as Record<string, unknown>, proposed);
      if (blanks.changes.length === 0) counts.skipped += 1;
      else {
        counts.updated += 1;
        if (blanks.set.phone && existing.phones.length === 0) blanks.set.phones = channelFields(candidate.phone).phones;
        updates.push({
          model: ContactModel,
          row,
          id: existing._id,
          ...blanks,
          event: () =>
            createEvent(ContactUpdated, eventMeta(job.cause, String(existing._id)), {
              contactId: String(existing._id),
              companyId: String(blanks.set.companyId ?? existing.companyId ?? '') || null,
              changes: blanks.changes,
            }),
        });
      }
      continue;
    }
    const id = ids.idOf('row', row);
    newContacts.push({ row, id, fields: { _id: id, tenantId, ...contactFields(candidate, companyId, job.userId) } });
    counts.created += 1;
  }
  if (job.dryRun) return { counts, errors };

  // ---- writes: companies first (contacts name them), each with its CompanyCreated; then contacts; then completions.
  // Unique values (a company's tax id, a contact's emails) are claimed as the create path does, so
  // a later createCompany/createContact meets them; a record that loses a value is not written.
  const companiesWithoutKeys = await claimKeysOfNewRecords(tenantId, 'Company', newCompanies.map(({ id, fields }) => ({ entityId: String(id), keys: companyKeys(fields as Pick<CompanyDoc, 'taxId'>) })), companyKeysOfOwner);
  const refusedCompanies = new Set([
    ...companiesWithoutKeys,
    ...(await insertNew(CompanyModel, tenantId, newCompanies.filter(({ id }) => !companiesWithoutKeys.has(String(id))), (doc) => companyCreated(doc as CompanyDoc, job.cause))),
  ]);
  for (const company of newCompanies.filter((company) => refusedCompanies.has(String(company.id)))) {
    if (company.employer) counts.companiesCreated -= 1;
    else {
      counts.created -= 1;
      counts.failed += 1;
      note(company.row, 'taxId', 'another company with this key was created meanwhile; the row was not imported');
    }
  }
  const contactsToWrite = newContacts.filter((contact) => {
    const companyId = contact.fields.companyId as Types.ObjectId | null;
    if (!companyId || !refusedCompanies.has(String(companyId))) return true;
    counts.created -= 1;
    counts.failed += 1;
    note(contact.row, 'company.name', "the row's company could not be created (another with its key was created meanwhile)");
    return false;
  });
  const contactsWithoutKeys = await claimKeysOfNewRecords(tenantId, 'Contact', contactsToWrite.map(({ id, fields }) => ({ entityId: String(id), keys: contactKeys(fields as Pick<ContactDoc, 'emails'>) })), contactKeysOfOwner);
  const refusedContacts = new Set([
    ...contactsWithoutKeys,
    ...(await insertNew(ContactModel, tenantId, contactsToWrite.filter(({ id }) => !contactsWithoutKeys.has(String(id))), (doc) => contactCreated(doc as ContactDoc, job.cause))),
  ]);
  for (const contact of contactsToWrite.filter((contact) => refusedContacts.has(String(contact.id)))) {
    counts.created -= 1;
    counts.failed += 1;
    note(contact.row, 'email', 'another contact with this email was created meanwhile; the row was not imported');
  }
  for (const update of updates) {
    const written = await updateWithEvents(update.model as typeof ContactModel, { _id: update.id, tenantId, ...update.expected }, { $set: update.set }, update.event());
    if (!written) {
      counts.updated -= 1;
      counts.skipped += 1;
    }
  }
  return { counts, errors: errors.sort((a, b) => a.row - b.row) };
}

/**
 * Inserts the batch's new records with their created events; returns the ids a unique index
 * refused that are not in the store (a record with another's unique key, written meanwhile).
 * Refused ids that are there were written by an interrupted run of this batch: nothing to do.
 */
async function insertNew<T>(
  model: typeof CompanyModel | typeof ContactModel,
  tenantId: string,
  docs: { id: Types.ObjectId; fields: Record<string, unknown> }[],
  created: (doc: T) => Envelope,
): Promise<Set<string>> {
  const { duplicates } = await insertManyWithEvents(model as any, docs.map(({ fields }) => ({ fields, events: [(doc: unknown) => created(doc as T)] })) as any);
  if (duplicates.length === 0) return new Set();
  const ids = duplicates.map((index) => docs[index]!.id);
  const there = new Set((await (model as typeof ContactModel).find({ tenantId, _id: { $in: ids } }, { _id: 1 }).lean()).map((doc) => String(doc._id)));
  return new Set(ids.map(String).filter((id) => !there.has(id)));
}
