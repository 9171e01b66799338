import { DEFAULT_TIME_NORMS, TimeNormsChanged } from '@crm/events';
import { isDuplicateKey, on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { TimeNormsModel } from './time-norms.model';

/** The norms a plan uses: the tenant's, the defaults for any operation it has not set. */
export async function timeNormsOf(tenantId: string): Promise<Record<string, number>> {
  const stored = await TimeNormsModel.findOne({ _id: tenantId, tenantId }).lean();
  return { ...defaultNorms(), ...stored?.norms };
}

const defaultNorms = (): Record<string, number> => Object.fromEntries(Object.entries(DEFAULT_TIME_NORMS));

/** Keeps the latest table per tenant: each event carries the whole table, so the newest wins. */
export async function saveTimeNorms(tenantId: string, norms: { operation: string; minutes: number }[], changedAt: Date): Promise<void> {
  const update = { $set: { norms: Object.fromEntries(norms.map(({ operation, minutes }) => [operation, minutes])), changedAt } };
  try {
    // Matches a missing document (then inserted) or an older table; a newer one makes the upsert collide: ignored.
    await TimeNormsModel.updateOne({ _id: tenantId, tenantId, changedAt: { $not: { $gt: changedAt } } }, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

export const timeNormsConsumer: ConsumerSpec = {
  groupId: 'analytics.time-norms',
  handlers: [on(TimeNormsChanged, (data, event) => saveTimeNorms(event.tenantId, data.norms, new Date(event.occurredAt)))],
};
