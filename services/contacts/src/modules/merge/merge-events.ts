import { CompaniesMerged, ContactsMerged, ContactUpdated, createEvent, eventMeta, type Envelope } from '@crm/events';
import { companyUpdatedEvents } from '../company/company.events';
import type { CompanyDoc } from '../company/company.model';
import type { Completeness } from '../completeness/required-fields';
import type { ContactDoc } from '../contact/contact.model';
import { changedFields } from './merge-fields';
import type { MergeCause } from './run-merge';

/** Values as they travel in events (ids as strings, dates ISO). */
const plain = (value: unknown) => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
type Change = { field: string; from: unknown; to: unknown };
const asChanges = (changes: Change[]) => changes.map(({ field, from, to }) => ({ field, from: plain(from), to: plain(to) }));

/**
 * CompaniesMerged, then what an update of the primary publishes (companyUpdatedEvents, reason
 * MERGE): CompanyUpdated with what the merge changed, and CompanyAssigned, CompanyRiskFlagsChanged
 * and CompanyCompletenessChanged when those moved. Deals learns risk flags only from their own
 * event: a merged-in LITIGATION must reach its concession gate.
 */
export function companyMergeEvents(cause: MergeCause, primary: CompanyDoc, fields: Record<string, unknown>, mergedIds: string[]): Envelope[] {
  const primaryId = primary._id.toString();
  // Completeness is derived, not a field of the record's changes (as in companyUpdatedEvents).
  const { completeness, completenessVersion: _version, ...merged } = fields as Record<string, unknown> & { completeness?: Completeness };
  const after = { ...primary, ...merged, completeness: completeness ?? primary.completeness } as CompanyDoc;
  return [
    createEvent(CompaniesMerged, eventMeta(cause, primaryId), { primaryId, mergedIds }),
    ...companyUpdatedEvents(primary, after, asChanges(changedFields(primary, merged)), cause, { reason: 'MERGE' }),
  ];
}

export function contactMergeEvents(cause: MergeCause, primary: ContactDoc, fields: Record<string, unknown>, mergedIds: string[]): Envelope[] {
  const primaryId = primary._id.toString();
  const changes = asChanges(changedFields(primary, fields));
  const companyId = (fields.companyId ?? primary.companyId)?.toString() ?? null;
  return [
    createEvent(ContactsMerged, eventMeta(cause, primaryId), { primaryId, mergedIds }),
    ...(changes.length > 0 ? [createEvent(ContactUpdated, eventMeta(cause, primaryId), { contactId: primaryId, companyId, changes, reason: 'MERGE' })] : []),
  ];
}

/** A contact whose links were repointed by a merge (its company, its manager). */
export function contactRepointed(cause: MergeCause, contact: ContactDoc, changes: Change[]): Envelope {
  const contactId = contact._id.toString();
  const companyId = changes.find((change) => change.field === 'companyId')?.to ?? contact.companyId;
  return createEvent(ContactUpdated, eventMeta(cause, contactId), { contactId, companyId: companyId ? String(companyId) : null, changes: asChanges(changes) });
}
