import { createLogger, stopOnSignals } from '@crm/service-kit';
import { startContacts } from './service';

const logger = createLogger('contacts');
startContacts().then(
  (service) => stopOnSignals(service, logger),
  (error) => {
    logger.fatal({ err: error }, 'contacts failed to start');
    process.exit(1);
  },
);
