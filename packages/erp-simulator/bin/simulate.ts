// Publishes a realistic ERP history (orders, shipments, payments) for a tenant's companies:
//   npm run erp:simulate -- --tenant <tenantId> --companies <companyId,companyId...> [--orders 3] [--seed 42] [--run <id>]
// Every run has its own ERP ids (a random run id unless --run gives one): a second run for a
// tenant adds orders, whatever the seed, which only decides their content.
// KAFKA_BROKERS, KAFKA_SSL and KAFKA_SASL_* as the services (the local broker's login when KAFKA_BROKERS is unset).
import pino from 'pino';
import { isLocalDevRun } from '@crm/auth';
import { createKafka, createKafkaPublisher, kafkaSaslFromEnv } from '@crm/messaging';
import { newRunId, simulateErpHistory } from '../src';

const USAGE = 'usage: npm run erp:simulate -- --tenant <tenantId> --companies <id,id...> [--orders <per company, default 3>] [--seed <n>] [--run <id: letters, digits, up to 20>]';
const MAX_COMPANIES = 10_000;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
}

export async function main(args: string[]): Promise<number> {
  const tenantId = option(args, '--tenant');
  const companyIds = option(args, '--companies')?.split(',').map((id) => id.trim()).filter(Boolean) ?? [];
  const orders = Number(option(args, '--orders') ?? 3);
  const seed = option(args, '--seed');
  const runId = option(args, '--run');
  if (!tenantId || companyIds.length === 0 || companyIds.length > MAX_COMPANIES || !Number.isInteger(orders) || orders < 1 || orders > 100 || (runId !== undefined && !/^[A-Za-z0-9]{1,20}$/.test(runId))) {
    console.error(USAGE);
    return 2;
  }
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
    ssl: process.env.KAFKA_SSL === 'true',
    sasl: kafkaSaslFromEnv(process.env, !process.env.KAFKA_BROKERS || isLocalDevRun(process.env)),
    clientId: 'erp-simulator',
    logger: pino({ level: 'error' }, pino.destination(2)),
  });
  const run = runId ?? newRunId();
  const events = simulateErpHistory({ tenantId, companyIds, ordersPerCompany: orders, ...(seed && { seed: Number(seed) }), runId: run });
  const publisher = createKafkaPublisher(kafka);
  try {
    // In chunks: one produce request stays well under the broker's size limit.
    for (let at = 0; at < events.length; at += 500) await publisher.publish(events.slice(at, at + 500));
  } finally {
    await publisher.close();
  }
  const count = (type: string) => events.filter((event) => event.type === type).length;
  console.log(`published ${count('ErpOrderPlaced')} orders, ${count('ErpShipmentDispatched')} shipments, ${count('ErpPaymentReceived')} payments for ${companyIds.length} companies of tenant ${tenantId} (run ${run})`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}
