import { DealReopened, DealStageChanged, DealWon } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { followUpsOrWait, keyStepTasksOrWait, settleOnReopen } from '../automation/plan-waits';
import { createStageTask } from './automated-tasks';

export { createStageTask } from './automated-tasks';

export const DEAL_STAGE_TASKS_GROUP = 'activities.deal-stage-tasks';

export const dealStageTasksConsumer: ConsumerSpec = {
  groupId: DEAL_STAGE_TASKS_GROUP,
  // A task's (tenantId, sourceEventId) is unique and a waiting entry is kept by time: an event
  // that comes again creates nothing (no look-up of processed records first).
  idempotent: true,
  handlers: [
    on(DealStageChanged, async (_data, event, { logger }) => {
      await createStageTask(event, logger);
      // The key steps need the pipeline's plan, which comes on another topic: maybe later.
      await keyStepTasksOrWait(event, logger);
    }),
    on(DealWon, async (_data, event, { logger }) => {
      await followUpsOrWait(event, logger);
    }),
    on(DealReopened, async (_data, event) => {
      await settleOnReopen(event);
    }),
  ],
};
