import { STATUS_CODES } from 'node:http';
import { Agent } from 'undici';

/** A subgraph that did not answer within the timeout; the request was aborted. */
export class SubgraphTimeoutError extends Error {
  override name = 'SubgraphTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

export interface SubgraphHttpResponse {
  status: number;
  statusText: string;
  contentType: string | undefined;
  text: string;
}

/**
 * One undici Agent for every subgraph call: kept-alive connections (the default fetcher's agent
 * stack, make-fetch-happen over agent-base, was the largest share of the stock gateway's CPU).
 * Answers are collected straight from the dispatcher, without a stream per response.
 * No pipelining by default: it measured no gain on the bench, and a read queued behind a slow
 * one on the same connection would wait for it. Only reads (`idempotent`) are ever pipelined.
 * Every call has a deadline, `timeoutMs` from the call (waiting for a connection included): then
 * it is aborted and fails with SubgraphTimeoutError.
 */
export function createSubgraphHttp({ pipelining = 1, connections = 128, timeoutMs = 10_000 }: { pipelining?: number; connections?: number; timeoutMs?: number } = {}) {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining, connections });
  const targets = new Map<string, { origin: string; path: string }>();
  const target = (url: string) => {
    let found = targets.get(url);
    if (!found) {
      const parsed = new URL(url);
      targets.set(url, (found = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }));
    }
    return found;
  };
  return {
    post(url: string, headers: Record<string, string>, body: string, idempotent: boolean): Promise<SubgraphHttpResponse> {
      return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let status = 0;
        let contentType: string | undefined;
        let abort: ((reason: Error) => void) | undefined;
        let timedOut: SubgraphTimeoutError | undefined;
        const timer = setTimeout(() => {
          timedOut = new SubgraphTimeoutError(timeoutMs);
          abort?.(timedOut);
          reject(timedOut);
        }, timeoutMs);
        const settle = () => clearTimeout(timer);
        agent.dispatch(
          { ...target(url), method: 'POST', headers, body, idempotent },
          {
            onRequestStart(controller) {
              abort = (reason) => controller.abort(reason);
              // Still waiting for a connection when the deadline passed.
              if (timedOut) controller.abort(timedOut);
            },
            onResponseStart(_controller, statusCode, responseHeaders) {
              status = statusCode;
              const type = responseHeaders['content-type'];
              contentType = Array.isArray(type) ? type[0] : type;
            },
            onResponseData(_controller, chunk) {
              chunks.push(chunk);
            },
            onResponseEnd() {
              settle();
              resolve({ status, statusText: STATUS_CODES[status] ?? '', contentType, text: Buffer.concat(chunks).toString('utf8') });
            },
            onResponseError(_controller, error) {
              settle();
              reject(error);
            },
          },
        );
      });
    },
    close: () => agent.close(),
  };
}

export type SubgraphHttp = ReturnType<typeof createSubgraphHttp>;
