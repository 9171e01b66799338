import { ErrorCode } from '@crm/service-kit';

/**
 * The codes a client may meet: the services' answers to a request they refuse (a valid request
 * on a record or tenant not in the state it needs is FAILED_PRECONDITION, as capacityPlan before
 * any ABC analysis), GraphQL's own, and the gateway's abuse limits (depth, aliases, cost, tokens,
 * body size, mutations per request). Timeouts, unavailable subgraphs and internal errors are not
 * among them: no generated input may cause one.
 */
export const allowedCodes = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.FORBIDDEN,
  ErrorCode.CONFLICT,
  ErrorCode.FAILED_PRECONDITION,
  ErrorCode.UNAUTHENTICATED,
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  ErrorCode.QUERY_TOO_COMPLEX,
  'TOO_MANY_MUTATIONS',
]);

export interface Answer {
  status: number;
  /** The error codes, or ['data'] for an answer without errors. */
  codes: string[];
  data: Record<string, unknown> | null | undefined;
  /**
   * The root fields (aliases) refused: an error at a root field's own path. An error deeper in
   * the answer (a sub-field of a created record) means the mutation itself ran.
   */
  refusedRoots: Set<string>;
  /** An error without a path refused the whole request (parse, validation, variables). */
  refusedWhole: boolean;
  /** Why the answer breaks the contract, if it does. */
  violation?: string;
  body: string;
}

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; path?: unknown[]; extensions?: { code?: unknown } }[];
}

/** Every answer is data or errors with known codes: no 5xx, no INTERNAL_SERVER_ERROR, nothing but JSON. */
export function classify(status: number, contentType: string, body: string): Answer {
  let parsed: Body;
  try {
    if (!contentType.includes('json')) throw new Error('not JSON');
    parsed = JSON.parse(body) as Body;
  } catch {
    return { status, codes: [`HTTP ${status}`], data: undefined, body, refusedRoots: new Set(), refusedWhole: true, violation: `HTTP ${status} with a non-JSON body (${contentType || 'no content type'})` };
  }
  const codes = (parsed.errors ?? []).map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'no code'));
  const errors = parsed.errors ?? [];
  const refusedRoots = new Set(errors.filter((error) => Array.isArray(error.path) && error.path.length === 1).map((error) => String(error.path![0])));
  const refusedWhole = errors.some((error) => !Array.isArray(error.path) || error.path.length === 0);
  const answer: Answer = { status, codes: codes.length > 0 ? [...new Set(codes)] : ['data'], data: parsed.data, body, refusedRoots, refusedWhole };
  const unknown = codes.filter((code) => !allowedCodes.has(code));
  if (status >= 500) answer.violation = `HTTP ${status}`;
  else if (unknown.length > 0) answer.violation = `code ${[...new Set(unknown)].join(', ')}`;
  else if (codes.length === 0 && (parsed.data === undefined || parsed.data === null)) answer.violation = 'neither data nor errors';
  else if (status >= 400 && codes.length === 0) answer.violation = `HTTP ${status} without an error code`;
  return answer;
}

/**
 * The ids of the records that the succeeded root fields of a mutation answer return (one per
 * alias), and those a merge removed (`mergedIds` of the merged record, when selected).
 */
export function writtenIds(data: Record<string, unknown> | null | undefined): string[] {
  return Object.values(data ?? {}).flatMap((value) => {
    if (typeof value === 'string') return [value]; // a mutation answering the id it wrote (deleteSegment)
    if (!value || typeof value !== 'object' || !('id' in value)) return [];
    const merged = (value as { mergedIds?: unknown }).mergedIds;
    return [String((value as { id: unknown }).id), ...(Array.isArray(merged) ? merged.map(String) : [])];
  });
}
