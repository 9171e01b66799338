// When two requests may share one piece of work. Only reads are ever shared (a mutation always
// runs once per request), and only between requests of the same caller: the tenant, user and
// roles are part of every key, as is the signed identity a subgraph fetch carries.
import { createHash } from 'node:crypto';
import type { Identity } from '@crm/auth';
import { Kind, parse, type OperationTypeNode } from 'graphql';
import { LRUCache } from 'lru-cache';

const callerKey = (identity: Identity) => JSON.stringify([identity.tenantId, identity.userId, [...identity.roles].sort()]);

/** The operation type a subgraph fetch's text starts with; the planner prints `query ...`, `mutation ...` or `{ ... }`. */
export function fetchOperationType(text: string): 'query' | 'mutation' | 'subscription' | undefined {
  const match = /^\s*(query|mutation|subscription)\b|^\s*\{/.exec(text);
  if (!match) return undefined;
  return (match[1] as 'query' | 'mutation' | 'subscription' | undefined) ?? 'query';
}

export interface SubgraphFetch {
  /** The type of the client's operation this fetch serves. */
  incomingOperation: OperationTypeNode | undefined;
  subgraph: string;
  identity: Identity | undefined;
  /** The x-crm-identity header value sent with the fetch. */
  identityHeader: string | undefined;
  /** The exact JSON body sent to the subgraph. */
  body: string;
  query: string;
}

/** Key under which identical concurrent subgraph fetches share one HTTP request; undefined: never share. */
export function subgraphFetchKey(fetch: SubgraphFetch): string | undefined {
  if (fetch.incomingOperation !== 'query' || fetchOperationType(fetch.query) !== 'query') return undefined;
  if (!fetch.identity || !fetch.identityHeader) return undefined;
  return `${fetch.subgraph}\n${callerKey(fetch.identity)}\n${fetch.identityHeader}\n${fetch.body}`;
}

export interface IncomingOperation {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

/**
 * Parsed once per distinct document text, only to tell a query from a mutation. Keyed by a hash
 * of the text: a key holding the text itself would keep up to 1,000 bodies (of up to
 * MAX_BODY_BYTES each) alive. Exported for its test.
 */
export const operationTypes = new LRUCache<string, OperationTypeNode | 'none'>({ max: 1_000 });

/**
 * The type of the operation a request runs, or undefined when the document is not valid GraphQL
 * or has more than maxTokens tokens (Apollo refuses it then).
 */
export function operationTypeOf(query: string, operationName: string | undefined, maxTokens?: number): OperationTypeNode | undefined {
  const key = createHash('sha256').update(`${operationName ?? ''}\n${query}`).digest('base64');
  let type = operationTypes.get(key);
  if (type === undefined) {
    try {
      const operations = parse(query, { maxTokens }).definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
      const chosen = operationName ? operations.find((operation) => operation.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
      type = chosen?.operation ?? 'none';
    } catch {
      // Not GraphQL, or over maxTokens: Apollo refuses it; not worth a place in the cache.
      return undefined;
    }
    operationTypes.set(key, type);
  }
  return type === 'none' ? undefined : type;
}

/** Key under which identical concurrent client operations share one execution; undefined: never share. */
export function operationKey(identity: Identity | undefined, body: IncomingOperation, maxTokens?: number): string | undefined {
  if (!identity || typeof body.query !== 'string' || body.extensions !== undefined) return undefined;
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
  if (operationTypeOf(body.query, operationName, maxTokens) !== 'query') return undefined;
  return `${callerKey(identity)}\n${operationName ?? ''}\n${JSON.stringify(body.variables ?? null)}\n${body.query}`;
}
