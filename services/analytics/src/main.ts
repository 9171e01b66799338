import { createLogger, stopOnSignals } from '@crm/service-kit';
import { startAnalytics } from './service';

const logger = createLogger('analytics');
startAnalytics().then(
  (service) => stopOnSignals(service, logger),
  (error) => {
    logger.fatal({ err: error }, 'analytics failed to start');
    process.exit(1);
  },
);
