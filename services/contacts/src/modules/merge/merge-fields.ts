import type { BusinessProfileDoc, CompanyDoc } from '../company/company.model';
import type { ContactDoc, EmploymentDoc } from '../contact/contact.model';
import type { AddressDoc, AssignmentFields, EmailDoc, MessengerDoc, PhoneDoc } from '../shared/channels.model';
import { customFieldOf } from '../shared/custom-field-values';

/**
 * How records merge, as pure functions: the primary wins every single value, the others fill its
 * gaps (in the order given); lists are the union without repeats; each channel list keeps one
 * primary entry: the first marked primary (the primary record's entries come first), else the first.
 */

const isEmpty = (value: unknown) => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/** The first value that is not empty, the primary's first. */
const firstFilled = <T>(values: T[]): T | null => values.find((value) => !isEmpty(value)) ?? null;

function unionBy<T>(lists: (T[] | null | undefined)[], key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of lists.flatMap((list) => list ?? [])) if (!byKey.has(key(item))) byKey.set(key(item), item);
  return [...byKey.values()];
}

const lower = (value: string | null | undefined) => (value ?? '').trim().toLowerCase();

/** Exactly one primary entry in a non-empty list: the first one marked, else the first. */
function onePrimary<T extends { primary: boolean }>(list: T[]): T[] {
  const primaryAt = Math.max(0, list.findIndex((item) => item.primary));
  return list.map((item, i) => ({ ...item, primary: i === primaryAt }));
}

export const mergePhones = (lists: PhoneDoc[][]) => onePrimary(unionBy(lists, (phone) => phone.number));
export const mergeEmails = (lists: EmailDoc[][]) => onePrimary(unionBy(lists, (email) => lower(email.address)));
export const mergeAddresses = (lists: AddressDoc[][]) =>
  onePrimary(unionBy(lists, (a) => [a.type, a.street, a.city, a.region, a.postalCode, a.country].map(lower).join('|')));
export const mergeMessengers = (lists: MessengerDoc[][]) => unionBy(lists, (m) => `${m.kind}|${lower(m.handle)}`);
const mergeStrings = (lists: (string[] | null | undefined)[]) => unionBy(lists, lower);

/** Custom fields by key: the primary's values, then the keys only others have. */
function mergeCustomFields(records: { customFields?: Record<string, unknown> | null }[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const record of records) {
    // Own values (customFieldOf): a key such as `constructor` would otherwise look filled by Object's and never be merged.
    for (const [key, value] of Object.entries(record.customFields ?? {})) if (isEmpty(customFieldOf(merged, key)) && !isEmpty(value)) merged[key] = value;
  }
  return merged;
}

function mergeAssignment(records: AssignmentFields[]): AssignmentFields {
  return {
    source: firstFilled(records.map((r) => r.source)),
    ownerId: firstFilled(records.map((r) => r.ownerId)),
    teamId: firstFilled(records.map((r) => r.teamId)),
    territoryId: firstFilled(records.map((r) => r.territoryId)),
    industry: firstFilled(records.map((r) => r.industry)),
    tags: mergeStrings(records.map((r) => r.tags)),
    customFields: mergeCustomFields(records),
  };
}

/** The ids the merged record stands for: its own earlier merges and the records merged now with theirs. */
function mergedIdsOf(primary: { mergedIds?: string[] }, others: { _id: { toString(): string }; mergedIds?: string[] }[]): string[] {
  return [...new Set([...(primary.mergedIds ?? []), ...others.flatMap((other) => [other._id.toString(), ...(other.mergedIds ?? [])])])];
}

function mergeProfile(profiles: (BusinessProfileDoc | null | undefined)[]): BusinessProfileDoc {
  const all = profiles.map((profile) => profile ?? ({} as Partial<BusinessProfileDoc>));
  return {
    supplyStructure: firstFilled(all.map((p) => p.supplyStructure)),
    financing: firstFilled(all.map((p) => p.financing)),
    mainCustomers: mergeStrings(all.map((p) => p.mainCustomers)),
    shareholders: unionBy(all.map((p) => p.shareholders ?? []), (s) => lower(s.name)),
    solvency: firstFilled(all.map((p) => p.solvency)),
    competitors: mergeStrings(all.map((p) => p.competitors)),
    litigation: unionBy(all.map((p) => p.litigation ?? []), (l) => lower(l.caseNumber)),
    paymentTerms: firstFilled(all.map((p) => p.paymentTerms)),
  };
}

/** The fields a company merge writes on the primary. Identity and ABC class stay the primary's (its completeness follows: companyMerge.derived). */
export function mergeCompanyFields(primary: CompanyDoc, others: CompanyDoc[]) {
  const all = [primary, ...others];
  const website = firstFilled(all.map((c) => c.website));
  return {
    ...mergeAssignment(all),
    website,
    // The domain goes with the website it was taken from.
    domain: website ? (all.find((c) => c.website === website)?.domain ?? null) : firstFilled(all.map((c) => c.domain)),
    taxId: firstFilled(all.map((c) => c.taxId)),
    phones: mergePhones(all.map((c) => c.phones)),
    emails: mergeEmails(all.map((c) => c.emails)),
    addresses: mergeAddresses(all.map((c) => c.addresses)),
    messengers: mergeMessengers(all.map((c) => c.messengers)),
    profile: mergeProfile(all.map((c) => c.profile)),
    potential: firstFilled(all.map((c) => c.potential)),
    // A risk of any of them is a risk of the client.
    riskFlags: mergeStrings(all.map((c) => c.riskFlags)),
    mergedIds: mergedIdsOf(primary, others),
  };
}

export const employmentKey = (e: EmploymentDoc) => [e.companyId.toString(), lower(e.position), lower(e.role), e.start ? new Date(e.start).toISOString() : ''].join('|');

/**
 * The fields a contact merge writes on the primary. `reportsTo` never points into the merge (the
 * primary would report to itself); `email`/`phone` follow the merged lists' primaries.
 */
export function mergeContactFields(primary: ContactDoc, others: ContactDoc[]) {
  const all = [primary, ...others];
  const inMerge = new Set(all.map((c) => c._id.toString()));
  const emails = mergeEmails(all.map((c) => c.emails));
  const phones = mergePhones(all.map((c) => c.phones));
  return {
    ...mergeAssignment(all),
    emails,
    phones,
    email: emails.find((e) => e.primary)?.address ?? firstFilled(all.map((c) => c.email)),
    phone: phones.find((p) => p.primary)?.number ?? firstFilled(all.map((c) => c.phone)),
    addresses: mergeAddresses(all.map((c) => c.addresses)),
    messengers: mergeMessengers(all.map((c) => c.messengers)),
    position: firstFilled(all.map((c) => c.position)),
    department: firstFilled(all.map((c) => c.department)),
    decisionMaker: primary.decisionMaker,
    companyId: firstFilled(all.map((c) => c.companyId)),
    employments: unionBy(all.map((c) => c.employments), employmentKey),
    reportsTo: firstFilled(all.map((c) => (c.reportsTo && !inMerge.has(c.reportsTo.toString()) ? c.reportsTo : null))),
    mergedIds: mergedIdsOf(primary, others),
  };
}

/** API names of the fields (profile fields and custom fields one by one) whose value the merge changes. */
export function changedFields(before: Record<string, any>, after: Record<string, any>): { field: string; from: unknown; to: unknown }[] {
  const json = (value: unknown) => JSON.stringify(value ?? null);
  const changes: { field: string; from: unknown; to: unknown }[] = [];
  for (const [field, to] of Object.entries(after)) {
    if (field === 'mergedIds') continue;
    if (field === 'profile' || field === 'customFields') {
      for (const key of Object.keys(to ?? {})) {
        const from = customFieldOf(before[field], key);
        if (json(from) !== json(to[key])) changes.push({ field: `${field}.${key}`, from: from ?? null, to: to[key] ?? null });
      }
    } else if (json(before[field]) !== json(to)) {
      changes.push({ field: field === 'reportsTo' ? 'reportsToId' : field, from: before[field] ?? null, to: to ?? null });
    }
  }
  return changes;
}
