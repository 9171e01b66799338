import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { refreshIndustry } from '../deal-facts/deal-fact.projection';
import { DealFactModel } from '../deal-facts/deal-fact.model';
import { CompanyFactModel, type CompanyFactDoc } from './company-fact.model';

/** The company fields analytics keeps, as named in the contacts API (and so in CompanyUpdated changes). */
type Attributes = Partial<Pick<CompanyFactDoc, 'name' | 'industry' | 'ownerId' | 'teamId' | 'territoryId'>>;

/** A company's deals re-read at most, when its industry changes (one key write per deal). */
export const MAX_DEALS_PER_COMPANY_REFRESH = 10_000;

const asText = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The attributes a CompanyUpdated changes, from its field changes. */
export function attributesOfChanges(name: string, changes: readonly { field: string; to: unknown }[]): Attributes {
  const attributes: Attributes = { name };
  for (const { field, to } of changes) {
    if (field === 'industry' || field === 'teamId' || field === 'territoryId') attributes[field] = asText(to);
    else if (field === 'ownerId') attributes.ownerId = asText(to);
  }
  return attributes;
}

/**
 * Records a company's attributes unless an event later than `at` already did (the ordering
 * guard), then, when the event changes its industry, the industry of its deals' facts.
 */
export async function recordCompany(tenantId: string, companyId: string, at: Date, attributes: Attributes): Promise<void> {
  try {
    await CompanyFactModel.updateOne(
      { _id: companyId, tenantId, $or: [{ lastEventAt: { $lte: at } }, { lastEventAt: { $exists: false } }] },
      { $set: { ...attributes, lastEventAt: at }, ...(attributes.name === undefined && { $setOnInsert: { name: companyId } }) },
      { upsert: true },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // The company exists with a later event (the guard excluded it), or belongs to another tenant.
    if (await CompanyFactModel.exists({ _id: companyId, tenantId })) return;
    throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
  }
  // Not only when the fact's industry differed before the write: a crash after it, during the
  // refresh, leaves the fact at the new industry, and the redelivered event must still finish
  // the deals. The refresh reads only the deals not there yet, so a repeat costs one indexed read.
  if ('industry' in attributes) await refreshDealsOf(tenantId, companyId, attributes.industry ?? null);
}

/**
 * Moves the company's deals that are not at `industry` yet (bounded by MAX_DEALS_PER_COMPANY_REFRESH
 * per event; the deals done drop out of the read, so each redelivery goes on from there). Cost
 * grows with the company's deals, not with all deals.
 */
async function refreshDealsOf(tenantId: string, companyId: string, industry: string | null): Promise<void> {
  const deals = await DealFactModel.find({ tenantId, companyId, industry: { $ne: industry } }, { _id: 1 }).limit(MAX_DEALS_PER_COMPANY_REFRESH).lean<{ _id: string }[]>();
  for (const deal of deals) await refreshIndustry(tenantId, deal._id, industry);
}
