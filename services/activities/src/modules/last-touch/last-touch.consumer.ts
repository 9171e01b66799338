import { ActivityCompleted } from '@crm/events';
import { isDuplicateKey, on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { LastTouchModel } from './last-touch.model';

export const LAST_TOUCH_GROUP = 'activities.last-touch';

/**
 * Moves each named person's last touch forward to this completion, never back: the update
 * matches only an older touch; when the stored one is as new or newer, the upsert's insert hits
 * the unique key and nothing changes (so replays and late events are no-ops).
 */
export const lastTouchConsumer: ConsumerSpec = {
  groupId: LAST_TOUCH_GROUP,
  idempotent: true,
  handlers: [
    on(ActivityCompleted, async (data, event) => {
      const at = new Date(data.completedAt ?? event.occurredAt);
      for (const contactId of data.contactIds ?? []) {
        const key = { _id: `${event.tenantId}:${contactId}`, tenantId: event.tenantId, contactId };
        const touch = { at, kind: data.kind, activityId: data.activityId };
        try {
          await LastTouchModel.updateOne({ ...key, at: { $lt: at } }, { $set: touch }, { upsert: true });
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
    }),
  ],
};
