import { rm } from 'node:fs/promises';
import { infra, privatePorts, PRIVATE_INFRA_DIR } from './private-infra';

/** Stops the private store and broker (whatever the tests' outcome) and deletes their state. */
export default async function globalTeardown(): Promise<void> {
  await infra(['stop'], 90_000, privatePorts());
  await rm(PRIVATE_INFRA_DIR, { recursive: true, force: true });
}
