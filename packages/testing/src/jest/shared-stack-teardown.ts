import { unshareStack } from '../shared-stack';
import type { Stack } from '../stack';

/** Jest global teardown (jest-config's `sharedStack`): stops the run's stack, telling of a process that died meanwhile. */
export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { sharedStack?: Stack }).sharedStack;
  if (!stack) return;
  const died = stack.output.filter((line) => / exited \(/.test(line));
  if (died.length > 0) console.error(`[shared stack] a process exited during the run:\n${stack.output.slice(-60).join('')}`);
  unshareStack();
  await stack.stop();
}
