import { companyKeys } from '../company/company.write';
import { completenessOf } from '../completeness/required-fields';
import { writeRules } from '../shared/write-rules';
import { updateWithEvents } from '@crm/messaging';
import { Types } from 'mongoose';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { ContactModel, type ContactDoc } from '../contact/contact.model';
import { contactRepointed, companyMergeEvents } from './merge-events';
import { employmentKey, mergeCompanyFields } from './merge-fields';
import type { MergeCause, MergeKind } from './run-merge';
import { uniqueKeyId } from './unique-claims';

/** Contacts repointed per read: each is one conditional write with its event. */
const BATCH = 100;
/** Rounds of batches before giving up (the merge stays open and resumes): 100,000 contacts. */
const MAX_ROUNDS = 1000;

/**
 * The people of the merged companies move to the primary: their current company and every
 * employment there (an employment already held at the primary is kept once). One
 * ContactUpdated per person, so the history shows the move. Conditional on the version read:
 * a person edited meanwhile is simply read again in the next round.
 */
async function moveContacts(cause: MergeCause, primary: CompanyDoc, others: CompanyDoc[]): Promise<void> {
  const { tenantId } = cause;
  const merged = others.map((other) => other._id);
  const isMerged = (id: Types.ObjectId | null | undefined) => Boolean(id && merged.some((m) => m.equals(id)));
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const current = await ContactModel.find({ tenantId, companyId: { $in: merged } }).limit(BATCH).lean<ContactDoc[]>();
    const past = await ContactModel.find({ tenantId, 'employments.companyId': { $in: merged } }).limit(BATCH).lean<ContactDoc[]>();
    const contacts = [...new Map([...current, ...past].map((contact) => [contact._id.toString(), contact])).values()];
    if (contacts.length === 0) return;
    for (const contact of contacts) {
      const companyId = isMerged(contact.companyId) ? primary._id : (contact.companyId ?? null);
      const moved = contact.employments.map((employment) => (isMerged(employment.companyId) ? { ...employment, companyId: primary._id } : employment));
      const employments = [...new Map(moved.map((employment) => [employmentKey(employment), employment])).values()];
      const changes = [
        ...(companyId?.toString() !== contact.companyId?.toString() ? [{ field: 'companyId', from: contact.companyId ?? null, to: companyId }] : []),
        ...(moved.some((employment, i) => employment !== contact.employments[i]) ? [{ field: 'employments', from: contact.employments, to: employments }] : []),
      ];
      // Conditional on the revision read and raising it, as updateContact's write: an edit that read
      // the person before the move fails its check instead of writing the old company back.
      await updateWithEvents(
        ContactModel,
        { _id: contact._id, tenantId, revision: contact.revision ?? null },
        { $set: { companyId, employments }, $inc: { revision: 1 } },
        contactRepointed(cause, contact, changes),
      );
    }
  }
  throw new Error(`merge: the contacts of companies ${merged.join(', ')} kept changing; the merge resumes later`);
}

export const companyMerge: MergeKind<CompanyDoc> = {
  entity: 'Company',
  model: CompanyModel,
  fields: mergeCompanyFields,
  // The merged company fills required fields: its completeness for the tenant's required set, as every company write keeps it.
  derived: async (tenantId, company) => {
    const rules = await writeRules(tenantId, 'COMPANY');
    return { completeness: completenessOf(company, rules.requiredFields), completenessVersion: rules.requiredVersion };
  },
  claims: (tenantId, others) => others.flatMap((other) => companyKeys(other).map((key) => uniqueKeyId(tenantId, 'Company', 'taxId', key.value))),
  moveReferences: moveContacts,
  events: (cause, primary, fields, mergedIds) => companyMergeEvents(cause, primary, fields, mergedIds),
};
