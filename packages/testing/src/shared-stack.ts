import type { Stack } from './stack';

/*
 * One stack for every test file of a jest run that asks for the plain stack (`useStack()`): a
 * stack start costs about 3 s and 6 s of CPU (five Node processes booting), and each file's
 * tests live in tenants of their own, so they need no processes of their own. The run's global
 * setup starts it and its teardown stops it (jest-config's `sharedStack` option); files that
 * kill, restart or configure processes start their own (`useStack(options)`, `startStack`).
 */

/** What the global setup tells the test files (they run in other contexts, or other processes). */
const ENV = 'CRM_SHARED_STACK';

type Described = Pick<Stack, 'gatewayUrl' | 'subgraphUrls' | 'processes' | 'databases' | 'groupSuffix'>;

/** Publishes the running stack to the run's test files. */
export function shareStack(stack: Stack): void {
  const described: Described = { gatewayUrl: stack.gatewayUrl, subgraphUrls: stack.subgraphUrls, processes: stack.processes, databases: stack.databases, groupSuffix: stack.groupSuffix };
  process.env[ENV] = JSON.stringify(described);
}

export function unshareStack(): void {
  delete process.env[ENV];
}

const notHere = (what: string) => () => {
  throw new Error(`the run's shared stack cannot ${what}: a test that needs that starts its own (useStack with options, or startStack)`);
};

/** The run's shared stack, when its global setup started one. */
export function sharedStack(): Stack | undefined {
  const json = process.env[ENV];
  if (!json) return undefined;
  const described = JSON.parse(json) as Described;
  return {
    ...described,
    // Its processes' output stays with the global setup, which prints it if one of them dies.
    output: [],
    kill: notHere('be killed by one file'),
    restart: notHere('be restarted by one file'),
    ready: notHere('wait for one process'),
    addService: notHere('take extra instances'),
    isRunning: notHere('tell one process'),
    // The run's teardown stops it.
    stop: async () => undefined,
  };
}
