import { createHash } from 'node:crypto';

/**
 * The id of a record a lead's conversion creates (`company`, `contact`, `deal`): the lead id's
 * 4 time bytes (so the id sorts by the lead's creation like any ObjectId), then 8 bytes of a
 * hash of the lead id and the step. The same lead always names the same records, which makes
 * every step of the saga idempotent by a unique `_id`.
 */
export function derivedId(leadId: string, step: 'company' | 'contact' | 'deal'): string {
  const hash = createHash('sha256').update(`lead:${leadId}:${step}`).digest('hex');
  return `${leadId.slice(0, 8)}${hash.slice(0, 16)}`;
}
