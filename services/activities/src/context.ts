import { createByIdLoader, type BaseContext } from '@crm/service-kit';
import DataLoader from 'dataloader';
import { ActivityModel, type ActivityDoc } from './modules/activity/activity.model';
import { ACTIVITY_LIMIT, LATEST_DUE_FIRST } from './modules/activity/activity.rules';

export interface ActivitiesContext extends BaseContext {
  loaders: ReturnType<typeof createLoaders>;
}

function createLoaders(tenantId: string) {
  return {
    activityById: createByIdLoader<ActivityDoc>(ActivityModel, tenantId),
    // One query for all the deals of a request (the gateway repeats keys); rows come sorted,
    // so each deal's slice keeps that order.
    activitiesByDeal: new DataLoader<string, ActivityDoc[]>(async (dealIds) => {
      const rows = await ActivityModel.find({ tenantId, dealId: { $in: [...new Set(dealIds)] } })
        .sort(LATEST_DUE_FIRST)
        .lean<ActivityDoc[]>();
      return dealIds.map((id) => rows.filter((row) => row.dealId === id).slice(0, ACTIVITY_LIMIT));
    }),
  };
}

export const createContext = (base: BaseContext): ActivitiesContext => ({ ...base, loaders: createLoaders(base.tenantId) });
