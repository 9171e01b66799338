import { createLogger, stopOnSignals } from '@crm/service-kit';
import { startDeals } from './service';

const logger = createLogger('deals');
startDeals().then(
  (service) => stopOnSignals(service, logger),
  (error) => {
    logger.fatal({ err: error }, 'deals failed to start');
    process.exit(1);
  },
);
