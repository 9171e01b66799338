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
 * guard), then, when its industry changed, the industry of its deals' facts.
 */
export async function recordCompany(tenantId: string, companyId: string, at: Date, attributes: Attributes): Promise<void> {
  let before: CompanyFactDoc | null;
  try {
    before = await CompanyFactModel.findOneAndUpdate(
      { _id: companyId, tenantId, $or: [{ lastEventAt: { $lte: at } }, { lastEventAt: { $exists: false } }] },
      { $set: { ...attributes, lastEventAt: at }, ...(attributes.name === undefined && { $setOnInsert: { name: companyId } }) },
      { upsert: true, returnDocument: 'before' },
    ).lean<CompanyFactDoc>();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // The company exists with a later event (the guard excluded it), or belongs to another tenant.
    if (await CompanyFactModel.exists({ _id: companyId, tenantId })) return;
    throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
  }
  if (!('industry' in attributes) || (before?.industry ?? null) === attributes.industry) return;
  await refreshDealsOf(tenantId, companyId, attributes.industry ?? null);
}

/** Cost grows with the company's deals (bounded by MAX_DEALS_PER_COMPANY_REFRESH), not with all deals. */
async function refreshDealsOf(tenantId: string, companyId: string, industry: string | null): Promise<void> {
  const deals = await DealFactModel.find({ tenantId, companyId }, { _id: 1 }).limit(MAX_DEALS_PER_COMPANY_REFRESH).lean<{ _id: string }[]>();
  for (const deal of deals) await refreshIndustry(tenantId, deal._id, industry);
}
