import './apollo-telemetry'; // first: before @apollo/gateway is loaded
import { createLogger } from '@crm/service-kit';
import { loadConfig } from './config';
import { startGateway } from './server';

const logger = createLogger('gateway');
// Inside the chain, so that a refused configuration is logged as one fatal line like any start-up failure.
Promise.resolve()
  .then(() => startGateway(loadConfig()))
  .then(
    (gateway) => {
      const stop = () => gateway.stop().then(() => process.exit(0), () => process.exit(1));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (error) => {
      logger.fatal({ err: error }, 'gateway failed to start');
      process.exit(1);
    },
  );
