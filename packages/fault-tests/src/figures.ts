/** Prints a fault test's figures as a small two-column table (the closing note quotes them). */
export function printFigures(title: string, rows: [string, string | number | boolean][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  console.log(`${title}\n${lines.join('\n')}`);
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** How long `work` took, in ms, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await work();
  return [result, Date.now() - started];
}

/**
 * The consumer crashes the processes logged (pino lines "consumer crashed"), as
 * `<process>: <error name> (restart: <kafkajs restarts it>)` with a count: a crash kafkajs
 * does not restart leaves that consumer stopped while its process runs on.
 */
export function consumerCrashes(output: string[]): string {
  const crashes = new Map<string, number>();
  for (const chunk of output) {
    const [name] = chunk.split(':', 1);
    for (const line of chunk.split('\n')) {
      if (!line.includes('consumer crashed')) continue;
      const restart = /"restart":(true|false)/.exec(line)?.[1] ?? '?';
      const error = /"type":"([A-Za-z]+)"/.exec(line)?.[1] ?? /"name":"([A-Za-z]+)"/.exec(line)?.[1] ?? 'error';
      const key = `${name}: ${error} (restart: ${restart})`;
      crashes.set(key, (crashes.get(key) ?? 0) + 1);
    }
  }
  return [...crashes].map(([key, count]) => `${key} ×${count}`).join('; ') || 'none';
}
