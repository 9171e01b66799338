// A closed-loop load generator: `connections` clients, each sending its next request as soon as
// the previous answer is read, over an undici pool (keep-alive, one request per connection).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadOptions {
  url: string;
  connections: number;
  durationMs: number;
  headers: Record<string, string>;
  /** The JSON body of request number `i`. */
  body: (i: number) => string;
}

export interface LoadResult {
  requests: number;
  failures: number;
  /** Latency of each answered request, in ms. */
  latencies: number[];
  reqPerSec: number;
  /** From the first request to the last answer (the clients stop sending at the deadline, then drain). */
  elapsedMs: number;
  /** The first failing answer, to say why. */
  firstFailure?: string;
}

export async function runLoad({ url, connections, durationMs, headers, body }: LoadOptions): Promise<LoadResult> {
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const sent = performance.now();
      try {
        const response = await pool.request({ path: pathname, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body(i) });
        const text = await response.body.text();
        // Any answer but 200 with data and no errors counts as a failure.
        if (response.statusCode !== 200 || text.startsWith('{"errors"') || text.includes('"errors":[')) {
          failures += 1;
          firstFailure ??= `${response.statusCode} ${text.slice(0, 300)}`;
        } else latencies.push(performance.now() - sent);
      } catch (error) {
        failures += 1;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  const elapsed = performance.now() - started;
  await pool.close();
  return { requests: latencies.length, failures, latencies, reqPerSec: (latencies.length / elapsed) * 1000, elapsedMs: elapsed, firstFailure };
}
