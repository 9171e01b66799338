import { createLogger, stopOnSignals } from '@crm/service-kit';
import { startActivities } from './service';

const logger = createLogger('activities');
startActivities().then(
  (service) => stopOnSignals(service, logger),
  (error) => {
    logger.fatal({ err: error }, 'activities failed to start');
    process.exit(1);
  },
);
