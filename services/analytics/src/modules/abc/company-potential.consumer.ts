import { CompanyCreated, CompanyUpdated } from '@crm/events';
import { isDuplicateKey, on, PermanentEventError } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { CompanyPotentialModel, type CompanyPotentialDoc } from './abc.models';

type Potential = CompanyPotentialDoc['potential'];

/** A potential as a change carries it (JSON): `{amount, currency}` or null; anything else is not one. */
export function potentialOf(value: unknown): Potential | undefined {
  if (value === null || value === undefined) return null;
  const { amount, currency } = value as { amount?: unknown; currency?: unknown };
  if (typeof amount === 'number' && amount >= 0 && typeof currency === 'string' && /^[A-Z]{3}$/.test(currency)) return { amount, currency };
  return undefined;
}

/** Records the potential unless a later event already did (the ordering guard). */
export async function recordPotential(tenantId: string, companyId: string, at: Date, potential: Potential): Promise<void> {
  try {
    await CompanyPotentialModel.updateOne({ _id: companyId, tenantId, lastEventAt: { $not: { $gt: at } } }, { $set: { potential, lastEventAt: at } }, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    // Recorded by a later event (the guard excluded it), or the id is another tenant's.
    if (await CompanyPotentialModel.exists({ _id: companyId, tenantId })) return;
    throw new PermanentEventError(`company ${companyId} belongs to another tenant`);
  }
}

export const companyPotentialConsumer: ConsumerSpec = {
  groupId: 'analytics.company-potentials',
  handlers: [
    on(CompanyCreated, ({ companyId, potential }, event) => recordPotential(event.tenantId, companyId, new Date(event.occurredAt), potential ?? null)),
    on(CompanyUpdated, async ({ companyId, changes }, event) => {
      const change = changes.find((candidate) => candidate.field === 'potential');
      const potential = change && potentialOf(change.to);
      if (potential === undefined) return; // the potential did not change
      await recordPotential(event.tenantId, companyId, new Date(event.occurredAt), potential);
    }),
  ],
};
