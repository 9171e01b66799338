import DataLoader from 'dataloader';
import { requestAccess, rowFilter, type HasAccess } from '@crm/policy';
import { createByIdLoader, createListLoader, type BaseContext } from '@crm/service-kit';
import { ActivityModel, type ActivityDoc } from './modules/activity/activity.model';
import { LATEST_DUE_FIRST } from './modules/activity/activity.rules';
import { LastTouchModel, type LastTouchDoc } from './modules/last-touch/last-touch.model';

export interface ActivitiesContext extends BaseContext, HasAccess {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string, access: HasAccess['access']) {
  return {
    activityById: createByIdLoader<ActivityDoc>(ActivityModel, tenantId),
    activitiesByDeal: createListLoader(async (dealId, limit) =>
      ActivityModel.find({ tenantId, dealId, ...(rowFilter(await access(), 'activity', 'read', 'assigneeId') ?? { _id: { $in: [] } }) }).sort(LATEST_DUE_FIRST).limit(limit).lean<ActivityDoc[]>().exec(),
    ),
    lastTouchByContact: new DataLoader<string, LastTouchDoc | null>(async (contactIds) => {
      const touches = await LastTouchModel.find({ tenantId, contactId: { $in: [...contactIds] } }).lean<LastTouchDoc[]>();
      const byContact = new Map(touches.map((touch) => [touch.contactId, touch]));
      return contactIds.map((id) => byContact.get(id) ?? null);
    }),
  };
}

/** The caller's access is loaded first (requestAccess: a deactivated user is refused every request). */
export const createContext = async (base: BaseContext): Promise<ActivitiesContext> => {
  const access = await requestAccess(base.identity);
  return { ...base, access, loaders: createLoaders(base.tenantId, access) };
};
