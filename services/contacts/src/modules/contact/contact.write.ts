import type { EventCause } from '@crm/events';
import { authorizeChange, authorizeCreate, type Access } from '@crm/policy';
import { insertWithEvents, isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { badInput, conflict, notFound, parseInput, requireId } from '@crm/service-kit';
import { Types } from 'mongoose';
import { CompanyModel } from '../company/company.model';
import type { ChangeContext } from '../company/company.events';
import { diffFields, same, withCustomFields } from '../shared/changes';
import { nameKey } from '../shared/name-key';
import { claimKeys, keyChanges, ownerKeys, releaseKeys, type UniqueKey } from '../shared/unique-keys';
import { writeRules } from '../shared/write-rules';
import { contactCreated, contactUpdated } from './contact.events';
import { CONTACT_FIELDS, contactFieldValue, currentEmployment, sortEmployments } from './contact.fields';
import { createContactSchema, updateContactSchema, type ContactInput } from './contact.input';
import { ContactModel, type ContactDoc, type EmploymentDoc } from './contact.model';

/**
 * The one write path of contact persons (createContact, updateContact, changeContact): as
 * company.write.ts, plus the org chart (reportsTo within the tenant, no cycles) and
 * employments (the current one gives companyId, position, department and decisionMaker).
 */

const MAX_ATTEMPTS = 5;
/** The org chart is walked up at most this far when looking for a cycle. */
export const MAX_ORG_DEPTH = 100;

const LISTS = new Set(['tags', 'phones', 'emails', 'addresses', 'messengers', 'employments']);
const ROLE_FIELDS = ['position', 'department', 'decisionMaker'] as const;

/** A contact's emails are unique per tenant. */
export const contactKeys = (contact: Pick<ContactDoc, 'emails'>): UniqueKey[] =>
  (contact.emails ?? []).map((email, i) => ({ kind: 'email', value: email.address, field: `emails.${i}.address` }));
export const contactKeysOfOwner = ownerKeys(ContactModel, contactKeys);
const keysOfOwner = contactKeysOfOwner;

/**
 * Employments after an input: `employments` replaces the list; a new `companyId` ends the current
 * employment and starts one there (null ends it); position, department and decisionMaker apply
 * to the current employment, or to the person alone when there is none.
 */
function applyEmployment(before: ContactDoc, input: ContactInput, now: Date | null): Pick<ContactDoc, 'employments' | 'companyId' | 'position' | 'department' | 'decisionMaker'> {
  let employments: EmploymentDoc[] =
    input.employments !== undefined ? (input.employments ?? []).map((employment) => ({ ...employment, companyId: new Types.ObjectId(employment.companyId) })) : (before.employments ?? []);
  const hadCurrent = currentEmployment(before.employments ?? []) !== null;
  const end = (employment: EmploymentDoc) => (employment === currentEmployment(employments) ? { ...employment, end: now ?? new Date() } : employment);
  if (input.companyId !== undefined) {
    const current = currentEmployment(employments);
    if (input.companyId === null) employments = employments.map(end);
    else if (current?.companyId.toString() !== input.companyId) {
      if (now) employments = employments.map(end); // an update: the person moved (a create lists past employments itself)
      employments = [...employments, { companyId: new Types.ObjectId(input.companyId), role: null, position: null, department: null, decisionMaker: false, start: now, end: null }];
    }
  }
  employments = sortEmployments(employments);
  const current = currentEmployment(employments);
  const alone = { position: hadCurrent ? null : (before.position ?? null), department: hadCurrent ? null : (before.department ?? null), decisionMaker: hadCurrent ? false : (before.decisionMaker ?? false) };
  const target: Record<string, unknown> = current ? { ...current } : alone;
  for (const field of ROLE_FIELDS) if (input[field] !== undefined) target[field] = input[field] ?? (field === 'decisionMaker' ? false : null);
  if (current) employments = employments.map((employment) => (employment === current ? (target as unknown as EmploymentDoc) : employment));
  const scalars = target as { position?: string | null; department?: string | null; decisionMaker?: boolean };
  return { employments, companyId: current?.companyId ?? null, position: scalars.position ?? null, department: scalars.department ?? null, decisionMaker: scalars.decisionMaker ?? false };
}

function applyInput(before: ContactDoc, input: ContactInput, now: Date | null): ContactDoc {
  const after: Record<string, unknown> = { ...before };
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined || field === 'companyId' || field === 'employments' || (ROLE_FIELDS as readonly string[]).includes(field)) continue;
    if (field === 'customFields') after.customFields = value === null ? {} : withCustomFields(before.customFields, value as Record<string, unknown>);
    else if (field === 'reportsToId') after.reportsTo = value ? new Types.ObjectId(value as string) : null;
    else after[field] = value ?? (LISTS.has(field) ? [] : null);
  }
  return { ...(after as unknown as ContactDoc), ...applyEmployment(before, input, now) };
}

/** Derived fields: the name key and the primary email and phone. */
function derive(contact: ContactDoc): ContactDoc {
  const primary = <T extends { primary: boolean }>(list: T[] | undefined) => list?.find((entry) => entry.primary) ?? list?.[0];
  return { ...contact, nameKey: nameKey(contact.firstName, contact.lastName), email: primary(contact.emails)?.address ?? null, phone: primary(contact.phones)?.number ?? null };
}

/** Companies newly referenced by employments must be the tenant's (another tenant's id is simply not found). */
async function checkCompanies(tenantId: string, before: ContactDoc, after: ContactDoc): Promise<void> {
  const known = new Set((before.employments ?? []).map((employment) => employment.companyId.toString()));
  const added = [...new Set(after.employments.map((employment) => employment.companyId.toString()))].filter((id) => !known.has(id));
  if (added.length === 0) return;
  const found = new Set((await CompanyModel.find({ tenantId, _id: { $in: added } }, { _id: 1 }).lean().exec()).map((company) => company._id.toString()));
  const missing = added.find((id) => !found.has(id));
  if (missing) throw notFound('Company', missing);
}

/** reportsTo must be a contact of the tenant, and following reportsTo from it must never come back to this person. */
async function checkReportsTo(tenantId: string, self: string, before: ContactDoc, after: ContactDoc): Promise<void> {
  const target = after.reportsTo?.toString();
  if (!target || target === before.reportsTo?.toString()) return;
  if (target === self) throw badInput('a person cannot report to themselves', 'reportsToId');
  let next: string | null = target;
  for (let depth = 0; next; depth += 1) {
    if (depth >= MAX_ORG_DEPTH) throw badInput(`the org chart above reportsToId is deeper than ${MAX_ORG_DEPTH} levels`, 'reportsToId');
    const manager: Pick<ContactDoc, 'reportsTo'> | null = await ContactModel.findOne({ _id: next, tenantId }, { reportsTo: 1 }).lean<Pick<ContactDoc, 'reportsTo'>>().exec();
    if (!manager) {
      if (next === target) throw badInput(`reportsToId ${target} is not a contact of this tenant`, 'reportsToId');
      return; // a dangling link further up (a merged person): no cycle through it
    }
    next = manager.reportsTo?.toString() ?? null;
    if (next === self) throw badInput('reportsToId would make a cycle in the org chart', 'reportsToId');
  }
}

const STORED = [...CONTACT_FIELDS.filter((field) => field !== 'reportsToId'), 'reportsTo', 'customFields', 'nameKey'];
const storedFields = (contact: ContactDoc) => Object.fromEntries(STORED.map((field) => [field, (contact as unknown as Record<string, unknown>)[field] ?? null]));

/**
 * `givenId`: the id to give the new record (a saga's derived id, see lead conversion); when a record with
 * it exists already the insert fails with a duplicate key and the unique keys stay with that record.
 * `access`: the caller's rights, checked on the valid input (create for its owner, assign for another one).
 */
export async function createContact(cause: EventCause, input: unknown, context?: ChangeContext, givenId?: string, access?: Access): Promise<ContactDoc> {
  const rules = await writeRules(cause.tenantId, 'CONTACT');
  const fields = parseInput(createContactSchema(rules), input);
  if (access) authorizeCreate(access, 'contact', fields.ownerId);
  const blank = { _id: givenId ? new Types.ObjectId(givenId) : new Types.ObjectId(), tenantId: cause.tenantId, emails: [], phones: [], addresses: [], messengers: [], employments: [], tags: [], customFields: {}, mergedIds: [], revision: 0 } as unknown as ContactDoc;
  const contact = derive(applyInput(blank, fields, null));
  // As a company, a new person belongs to who created them unless the input names an owner.
  contact.ownerId ??= 'userId' in cause ? (cause.userId ?? null) : null;
  const id = contact._id.toString();
  await checkCompanies(cause.tenantId, blank, contact);
  await checkReportsTo(cause.tenantId, id, blank, contact);
  const keys = contactKeys(contact);
  await claimKeys(cause.tenantId, 'Contact', id, keys, keysOfOwner);
  try {
    return await insertWithEvents(ContactModel, contact, contactCreated(contact, cause));
  } catch (error) {
    // The given id exists already (a saga's repeated step): its keys are that record's.
    if (!(givenId && isDuplicateKey(error))) await releaseKeys(cause.tenantId, 'Contact', id, keys);
    throw error;
  }
}

/** `access`: the caller's rights, checked on the person as read right before the conditional write. */
export async function updateContact(cause: EventCause, id: string, input: unknown, context?: ChangeContext, access?: Access): Promise<ContactDoc> {
  requireId(id, 'id');
  const fields = parseInput(updateContactSchema(await writeRules(cause.tenantId, 'CONTACT')), input);
  const updated = await changeContact(
    cause,
    id,
    (before) => {
      const after = applyInput(before, fields, new Date());
      if (access) authorizeChange(access, 'contact', before, after);
      return after;
    },
    context,
  );
  if (!updated) throw notFound('Contact', id);
  return updated;
}

/** As changeCompany: `change` applied to the stored person, written with ContactUpdated, conditional on the revision read. */
export async function changeContact(cause: EventCause, id: string, change: (before: ContactDoc) => ContactDoc, context?: ChangeContext): Promise<ContactDoc | null> {
  const { tenantId } = cause;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const before = await ContactModel.findOne({ _id: id, tenantId }).lean<ContactDoc>().exec();
    if (!before) return null;
    const after = derive(change(before));
    if (same(storedFields(before), storedFields(after))) return before;
    await checkCompanies(tenantId, before, after);
    await checkReportsTo(tenantId, id, before, after);
    const changes = diffFields(before, after, CONTACT_FIELDS, contactFieldValue, (contact) => contact.customFields);
    const { added, removed } = keyChanges(contactKeys(before), contactKeys(after));
    await claimKeys(tenantId, 'Contact', id, added, keysOfOwner);
    const events = changes.length > 0 ? [contactUpdated(after, changes, cause, context)] : [];
    const updated = await updateWithEvents(ContactModel, { _id: id, tenantId, revision: before.revision ?? null }, { $set: storedFields(after), $inc: { revision: 1 } }, ...events);
    if (!updated) {
      await releaseKeys(tenantId, 'Contact', id, added);
      continue;
    }
    await releaseKeys(tenantId, 'Contact', id, removed);
    return updated;
  }
  throw conflict(`contact ${id} is being changed by others at the same time; try again`, { existingId: id });
}
