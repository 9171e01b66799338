import { allTopics } from '@crm/events';
import { ensureTopics } from '../kafka';
import { testKafka } from './kafka';

/**
 * Jest global setup of every workspace whose tests use the broker: on a fresh Kafka the
 * topics do not exist until a service creates them, and a test may publish first.
 */
export default async function globalSetup(): Promise<void> {
  await ensureTopics(testKafka(), allTopics);
}
