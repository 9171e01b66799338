import { rm } from 'node:fs/promises';
import { choosePorts, infra, PRIVATE_INFRA_DIR, publishPorts } from './private-infra';

/** A fresh private store and broker for this run: whatever a killed earlier run left is stopped and deleted first. */
export default async function globalSetup(): Promise<void> {
  const ports = await choosePorts();
  await infra(['stop'], 90_000, ports);
  await rm(PRIVATE_INFRA_DIR, { recursive: true, force: true });
  await infra(['up'], 300_000, ports);
  publishPorts(ports);
}
