import DataLoader from 'dataloader';
import { createByIdLoader, createListLoader, type BaseContext } from '@crm/service-kit';
import { ActivityModel, type ActivityDoc } from './modules/activity/activity.model';
import { LATEST_DUE_FIRST } from './modules/activity/activity.rules';
import { LastTouchModel, type LastTouchDoc } from './modules/last-touch/last-touch.model';

export interface ActivitiesContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string) {
  return {
    activityById: createByIdLoader<ActivityDoc>(ActivityModel, tenantId),
    activitiesByDeal: createListLoader((dealId, limit) =>
      ActivityModel.find({ tenantId, dealId }).sort(LATEST_DUE_FIRST).limit(limit).lean<ActivityDoc[]>().exec(),
    ),
    lastTouchByContact: new DataLoader<string, LastTouchDoc | null>(async (contactIds) => {
      const touches = await LastTouchModel.find({ tenantId, contactId: { $in: [...contactIds] } }).lean<LastTouchDoc[]>();
      const byContact = new Map(touches.map((touch) => [touch.contactId, touch]));
      return contactIds.map((id) => byContact.get(id) ?? null);
    }),
  };
}

export const createContext = (base: BaseContext): ActivitiesContext => ({ ...base, loaders: createLoaders(base.tenantId) });
