import { createLogger, limitHeapGrowth, stopOnSignals } from '@crm/service-kit';
import { startDeals } from './service';

const logger = createLogger('deals');
// Inside the chain, so that a refused configuration is logged as one fatal line like any start-up failure.
Promise.resolve()
  .then(() => {
    limitHeapGrowth(); // a process-wide memory policy: see heap-growth.ts
    return startDeals();
  })
  .then(
    (service) => stopOnSignals(service, logger),
    (error) => {
      logger.fatal({ err: error }, 'deals failed to start');
      process.exit(1);
    },
  );
