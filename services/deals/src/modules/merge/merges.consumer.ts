import { ContactsMerged } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import type { Types } from 'mongoose';
import { DealModel } from '../deal/deal.model';

/** Deals repointed per write, and rounds of them before the handler fails (and is retried): 100,000 deals. */
const BATCH = 500;
const MAX_ROUNDS = 200;

/** A deal's people with their role in the sale (the deal module's `contacts: [{contactId, role}]`). */
interface DealContact {
  contactId: string;
  role?: string | null;
}

/**
 * A deal's people follow a merge of contacts: a merged contact becomes the primary, keeping its
 * role; a deal that had both keeps the primary once, with the primary's role. Each deal is
 * written conditionally on the version read (updatedAt), so a concurrent edit is read again, not overwritten.
 * (A merge of companies is followed by the known-companies consumer, modules/company, which
 * repoints deals, concessions, purchases and pending references together.)
 */
async function repointContacts(tenantId: string, primaryId: string, mergedIds: string[]): Promise<void> {
  const merged = new Set(mergedIds);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const deals = await DealModel.find({ tenantId, 'contacts.contactId': { $in: mergedIds } }, { contacts: 1, updatedAt: 1 }).limit(BATCH).lean<{ _id: Types.ObjectId; contacts: DealContact[]; updatedAt: Date }[]>();
    if (deals.length === 0) return;
    for (const deal of deals) {
      const people = new Map<string, DealContact>();
      for (const person of deal.contacts) {
        const contactId = merged.has(String(person.contactId)) ? primaryId : String(person.contactId);
        if (!people.has(contactId)) people.set(contactId, { ...person, contactId });
      }
      // The primary's own entry, if the deal had one, wins over a merged one placed before it.
      const own = deal.contacts.find((person) => String(person.contactId) === primaryId);
      if (own) people.set(primaryId, own);
      await DealModel.updateOne({ _id: deal._id, tenantId, updatedAt: deal.updatedAt }, { $set: { contacts: [...people.values()] } });
    }
  }
  throw new Error(`deals of contacts ${mergedIds.join(', ')} still to repoint after ${MAX_ROUNDS} rounds`);
}

/** Deals learn of merges of contact persons and repoint the people on deals (tenant-scoped by the event). */
export const mergesConsumer: ConsumerSpec = {
  groupId: 'deals.merges',
  handlers: [
    on(ContactsMerged, ({ primaryId, mergedIds }, event) => repointContacts(event.tenantId, primaryId, mergedIds)),
  ],
};
