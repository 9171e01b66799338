import brokerSetup from '@crm/messaging/src/testing/global-setup';
import { shareStack } from '../shared-stack';
import { startStack, type Stack } from '../stack';

/** Jest global setup (jest-config's `sharedStack`): the topics, then the run's one stack. */
export default async function globalSetup(): Promise<void> {
  await brokerSetup();
  const stack = await startStack();
  (globalThis as { sharedStack?: Stack }).sharedStack = stack;
  shareStack(stack);
}
