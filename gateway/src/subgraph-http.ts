import { STATUS_CODES } from 'node:http';
import { Agent, request } from 'undici';

export interface SubgraphHttpResponse {
  status: number;
  statusText: string;
  contentType: string | undefined;
  text: string;
}

/**
 * One undici Agent for every subgraph call: kept-alive connections (the default fetcher's agent
 * stack, make-fetch-happen over agent-base, was the largest share of the stock gateway's CPU).
 * Reads (`idempotent`) are pipelined, a few per connection; a write waits for an idle connection.
 */
export function createSubgraphHttp({ pipelining = 4, connections = 64 }: { pipelining?: number; connections?: number } = {}) {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining, connections });
  return {
    async post(url: string, headers: Record<string, string>, body: string, idempotent: boolean): Promise<SubgraphHttpResponse> {
      const response = await request(url, { method: 'POST', headers, body, idempotent, dispatcher: agent });
      const contentType = response.headers['content-type'];
      return {
        status: response.statusCode,
        statusText: STATUS_CODES[response.statusCode] ?? '',
        contentType: Array.isArray(contentType) ? contentType[0] : contentType,
        text: await response.body.text(),
      };
    },
    close: () => agent.close(),
  };
}

export type SubgraphHttp = ReturnType<typeof createSubgraphHttp>;
