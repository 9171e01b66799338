import type { GraphQLDataSource,GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IDENTITY_HEADER, type Identity } from '@crm/auth';
import { ErrorCode } from '@crm/service-kit';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context';
import { dedupeRepresentations, expandEntities } from './entity-representations';
import type { InFlight } from './in-flight';
import { fetchOperationType, subgraphFetchKey } from './sharing-keys';
import { SubgraphTimeoutError, type SubgraphHttp, type SubgraphHttpResponse } from './subgraph-http';

export interface SubgraphDataSourceDeps {
  http: SubgraphHttp;
  signIdentity: (identity: Identity) => Promise<string>;
  /** Identical concurrent reads of the same caller share one subgraph request. */
  inFlight: InFlight<SubgraphHttpResponse>;
}

/**
 * The planner's entity fetch, `_entities(representations: $representations)`: only its
 * representations are de-duplicated. A client's own `$representations` (a mutation's list of
 * tags, say) is passed on as sent; clients cannot query `_entities` (it is not in the API schema).
 */
const ENTITY_FETCH = /\b_entities\s*\(\s*representations\s*:\s*\$representations\b/;

type Response = { data?: Record<string, unknown> | null; errors?: GraphQLError[] };

/**
 * Calls one subgraph for the query planner, in place of RemoteGraphQLDataSource: forwards the
 * verified caller as the signed x-crm-identity header (and the correlation id), sends each
 * distinct entity representation once, and shares identical concurrent reads of one caller.
 * Answers and errors are the same as RemoteGraphQLDataSource's, except that a subgraph that does
 * not answer at all is a SERVICE_UNAVAILABLE error naming it.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly name: string,
    private readonly url: string,
    private readonly deps: SubgraphDataSourceDeps,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<Response> {
    const { http: _http, ...request } = options.request;
    if (!request.query) throw new Error('Missing query');
    const context = options.context as Partial<GatewayContext>;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    let identityHeader: string | undefined;
    if (context.identity) {
      // Health checks carry no caller.
      identityHeader = await this.deps.signIdentity(context.identity);
      headers[IDENTITY_HEADER] = identityHeader;
      if (context.correlationId) headers['x-correlation-id'] = context.correlationId;
    }
    const representations = ENTITY_FETCH.test(request.query) ? request.variables?.representations : undefined;
    const deduped = Array.isArray(representations) ? dedupeRepresentations(representations) : undefined;
    const body = JSON.stringify(deduped ? { ...request, variables: { ...request.variables, representations: deduped.unique } } : request);
    const incoming = 'incomingRequestContext' in options ? options.incomingRequestContext : undefined;
    const incomingOperation = incoming?.operation?.operation;
    const key = subgraphFetchKey({
      incomingOperation,
      subgraph: this.name,
      identity: context.identity,
      identityHeader,
      body,
      query: request.query,
    });
    const read = incomingOperation === 'query' && fetchOperationType(request.query) === 'query';
    const response = await this.deps.inFlight.run(key, () => this.deps.http.post(this.url, headers, body, read)).catch((error: unknown) => {
      throw this.failure(error);
    });
    // Subgraphs send no cache hints: every answer is uncacheable, as RemoteGraphQLDataSource would conclude.
    const policy = incoming?.overallCachePolicy;
    if (policy && 'restrict' in policy) policy.restrict({ maxAge: 0 });
    if (response.status < 200 || response.status > 299) throw this.errorFrom(response);
    const parsed = parseBody(response);
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`Expected JSON response body, but received: ${parsed}`);
    return deduped ? expandEntities(parsed as Response, deduped) : (parsed as Response);
  }

  /**
   * A timeout says which service and that the rest of the answer stands (a mutation's outcome is
   * then unknown). No answer at all (the subgraph is down, restarting, or the connection broke):
   * a stable code and the service's name, so the client knows which part is missing and may retry;
   * the other subgraphs' fields are answered as usual. Nothing of the address or the socket error leaks.
   */
  private failure(error: unknown): GraphQLError {
    if (error instanceof SubgraphTimeoutError) {
      return new GraphQLError(`The ${this.name} service did not answer within ${error.timeoutMs} ms`, {
        extensions: { code: ErrorCode.SUBGRAPH_TIMEOUT, service: this.name },
      });
    }
    return new GraphQLError(`the ${this.name} service is unavailable; try again shortly`, {
      originalError: error instanceof Error ? error : undefined,
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, serviceName: this.name },
    });
  }

  /**
   * The same error RemoteGraphQLDataSource raises for a non-2xx answer, naming the service. Its
   * `response` (the subgraph's internal URL and body) never reaches a client: the error formatter drops it.
   */
  private errorFrom(response: SubgraphHttpResponse): GraphQLError {
    const code = response.status === 401 ? 'UNAUTHENTICATED' : response.status === 403 ? 'FORBIDDEN' : undefined;
    return new GraphQLError(`${response.status}: ${response.statusText}`, {
      extensions: { response: { url: this.url, status: response.status, statusText: response.statusText, body: parseBody(response) }, ...(code && { code }), serviceName: this.name },
    });
  }
}

function parseBody(response: SubgraphHttpResponse): unknown {
  const json = response.contentType?.startsWith('application/json') || response.contentType?.startsWith('application/graphql-response+json');
  return json ? JSON.parse(response.text) : response.text;
}
