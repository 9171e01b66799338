import { CompaniesMerged, CompanyCompletenessChanged, CompanyUpdated, ContactsMerged, ContactUpdated, createEvent, eventMeta, type Envelope } from '@crm/events';
import type { CompanyDoc } from '../company/company.model';
import { sameCompleteness, type Completeness } from '../completeness/required-fields';
import type { ContactDoc } from '../contact/contact.model';
import { changedFields } from './merge-fields';
import type { MergeCause } from './run-merge';

/** Values as they travel in events (ids as strings, dates ISO). */
const plain = (value: unknown) => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
type Change = { field: string; from: unknown; to: unknown };
const asChanges = (changes: Change[]) => changes.map(({ field, from, to }) => ({ field, from: plain(from), to: plain(to) }));

/**
 * CompaniesMerged, CompanyUpdated with what the merge changed on the primary (when it changed
 * anything), and CompanyCompletenessChanged when its completeness moved, as an update publishes it.
 */
export function companyMergeEvents(cause: MergeCause, primary: CompanyDoc, fields: Record<string, unknown>, mergedIds: string[]): Envelope[] {
  const primaryId = primary._id.toString();
  // Completeness is derived, not a field of the record's changes (as in companyUpdatedEvents).
  const { completeness, completenessVersion: _version, ...merged } = fields as Record<string, unknown> & { completeness?: Completeness };
  const changes = asChanges(changedFields(primary, merged));
  return [
    createEvent(CompaniesMerged, eventMeta(cause, primaryId), { primaryId, mergedIds }),
    ...(changes.length > 0 ? [createEvent(CompanyUpdated, eventMeta(cause, primaryId), { companyId: primaryId, name: primary.name, changes })] : []),
    ...(completeness && !sameCompleteness(primary.completeness, completeness) ? [createEvent(CompanyCompletenessChanged, eventMeta(cause, primaryId), { companyId: primaryId, ...completeness })] : []),
  ];
}

export function contactMergeEvents(cause: MergeCause, primary: ContactDoc, fields: Record<string, unknown>, mergedIds: string[]): Envelope[] {
  const primaryId = primary._id.toString();
  const changes = asChanges(changedFields(primary, fields));
  const companyId = (fields.companyId ?? primary.companyId)?.toString() ?? null;
  return [
    createEvent(ContactsMerged, eventMeta(cause, primaryId), { primaryId, mergedIds }),
    ...(changes.length > 0 ? [createEvent(ContactUpdated, eventMeta(cause, primaryId), { contactId: primaryId, companyId, changes })] : []),
  ];
}

/** A contact whose links were repointed by a merge (its company, its manager). */
export function contactRepointed(cause: MergeCause, contact: ContactDoc, changes: Change[]): Envelope {
  const contactId = contact._id.toString();
  const companyId = changes.find((change) => change.field === 'companyId')?.to ?? contact.companyId;
  return createEvent(ContactUpdated, eventMeta(cause, contactId), { contactId, companyId: companyId ? String(companyId) : null, changes: asChanges(changes) });
}
