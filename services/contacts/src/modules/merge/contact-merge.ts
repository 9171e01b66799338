import { updateWithEvents } from '@crm/messaging';
import type { Types } from 'mongoose';
import { ContactModel, type ContactDoc } from '../contact/contact.model';
import { contactMergeEvents, contactRepointed } from './merge-events';
import { mergeContactFields } from './merge-fields';
import type { MergeCause, MergeKind } from './run-merge';
import { uniqueKeyId } from './unique-claims';

const BATCH = 100;
const MAX_ROUNDS = 1000;
/** How far up the org chart the cycle check walks (deeper charts are not real). */
const MAX_CHAIN = 50;

/** The managers above `from`, up the org chart. */
async function chainAbove(tenantId: string, from: Types.ObjectId | null | undefined): Promise<Set<string>> {
  const chain = new Set<string>();
  for (let id = from; id && chain.size < MAX_CHAIN && !chain.has(id.toString()); ) {
    chain.add(id.toString());
    id = (await ContactModel.findOne({ _id: id, tenantId }, { reportsTo: 1 }).lean<Pick<ContactDoc, 'reportsTo'>>())?.reportsTo;
  }
  return chain;
}

/**
 * The direct reports of the merged people report to the primary, one ContactUpdated each. One
 * who is above the primary in the chart (the primary will report up to them) reports to no one
 * instead: reporting to the primary would close a cycle.
 */
async function moveDirectReports(cause: MergeCause, primary: ContactDoc, others: ContactDoc[]): Promise<void> {
  const { tenantId } = cause;
  const merged = others.map((other) => other._id);
  const above = await chainAbove(tenantId, mergeContactFields(primary, others).reportsTo);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const reports = await ContactModel.find({ tenantId, reportsTo: { $in: merged }, _id: { $nin: [primary._id, ...merged] } }).limit(BATCH).lean<ContactDoc[]>();
    if (reports.length === 0) return;
    for (const contact of reports) {
      const reportsTo = above.has(contact._id.toString()) ? null : primary._id;
      // Conditional on the revision read and raising it, as updateContact's write (see company-merge.ts).
      await updateWithEvents(
        ContactModel,
        { _id: contact._id, tenantId, revision: contact.revision ?? null },
        { $set: { reportsTo }, $inc: { revision: 1 } },
        contactRepointed(cause, contact, [{ field: 'reportsToId', from: contact.reportsTo ?? null, to: reportsTo }]),
      );
    }
  }
  throw new Error(`merge: the direct reports of contacts ${merged.join(', ')} kept changing; the merge resumes later`);
}

export const contactMerge: MergeKind<ContactDoc> = {
  entity: 'Contact',
  model: ContactModel,
  fields: mergeContactFields,
  claims: (tenantId, others) =>
    others.flatMap((other) => [...new Set([...other.emails.map((email) => email.address), ...(other.email ? [other.email] : [])])].map((address) => uniqueKeyId(tenantId, 'Contact', 'email', address))),
  moveReferences: moveDirectReports,
  events: (cause, primary, fields, mergedIds) => contactMergeEvents(cause, primary, fields, mergedIds),
};
