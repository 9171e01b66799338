import { isStoreConnectionError } from '@crm/messaging';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { z } from 'zod';

/** Stable `extensions.code` values clients can rely on. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  CONFLICT: 'CONFLICT',
  /** The request is valid but the record is not in a state that allows it (extensions say what is missing). */
  FAILED_PRECONDITION: 'FAILED_PRECONDITION',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** An operation over one of the gateway's limits (depth, aliases, tokens, directives, cost, mutations). */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** A subgraph did not answer within the gateway's timeout; the rest of the answer is served. */
  SUBGRAPH_TIMEOUT: 'SUBGRAPH_TIMEOUT',
  /** A store query ran over its time limit (STORE_QUERY_TIMEOUT_MS). */
  STORE_TIMEOUT: 'STORE_TIMEOUT',
  /** The gateway could not reach a subgraph: its part of the answer is null, the rest is there. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export const badInput = (message: string, field?: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field && { field }) } });

export const notFound = (entity: string, id: string) =>
  new GraphQLError(`${entity} ${id} not found`, { extensions: { code: ErrorCode.NOT_FOUND, entity, id } });

export const forbidden = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });

/** `details` names what clashes, for instance `{ existingId }` of the record holding a unique key. */
export const conflict = (message: string, details: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.CONFLICT, ...details } });

/** `missing` lists what must be done first (fields, key steps, flags): clients show it as it is. */
export const failedPrecondition = (message: string, missing: string[], details: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.FAILED_PRECONDITION, missing, ...details } });

export const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });

const knownCodes = new Set<string>([...Object.values(ErrorCode), 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * Errors we raised on purpose reach the client as they are; anything else (a driver
 * error, a bug) is logged with its stack and replaced by a generic message.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && knownCodes.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      // `response`: a subgraph's refusal (401/403) as the gateway received it, with the
      // subgraph's internal URL and body; the code and the service's name say enough.
      const { stacktrace: _stack, response: _response, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const original = (error as { originalError?: { codeName?: unknown } })?.originalError;
    if (original?.codeName === 'MaxTimeMSExpired') {
      logger.warn({ err: original, path: formatted.path }, 'store query timed out');
      return {
        message: 'The store did not answer in time',
        ...(formatted.path && { path: formatted.path }),
        ...(formatted.locations && { locations: formatted.locations }),
        extensions: { code: ErrorCode.STORE_TIMEOUT },
      };
    }
    if (isStoreConnectionError(original)) {
      // The store is restarting or unreachable: the client may retry; nothing was half-written.
      logger.warn({ err: original, path: formatted.path }, 'store unavailable');
      return {
        message: 'The store is unavailable; try again shortly',
        ...(formatted.path && { path: formatted.path }),
        ...(formatted.locations && { locations: formatted.locations }),
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
      };
    }
    logger.error({ err: original ?? error, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      ...(formatted.path && { path: formatted.path }),
      ...(formatted.locations && { locations: formatted.locations }),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/** Validates client input with a zod schema; the first problem becomes a BAD_USER_INPUT naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  const [first] = issues;
  throw new GraphQLError(first ? `${first.field || 'input'}: ${first.message}` : 'invalid input', {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(first?.field && { field: first.field }), issues },
  });
}
