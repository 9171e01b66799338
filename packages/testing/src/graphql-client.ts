import { IDENTITY_HEADER, LOCAL_INTERNAL_SECRET, LOCAL_JWT_SECRET, signInternalIdentity, signUserToken, type Identity } from '@crm/auth';

export interface GraphQLResponse<T = any> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
}

export async function postGraphQL<T = any>(url: string, headers: Record<string, string>, query: string, variables?: object): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Calls a subgraph directly, as the gateway would: with a signed identity header. */
export async function subgraphRequest<T = any>(url: string, identity: Identity, query: string, variables?: object): Promise<GraphQLResponse<T>> {
  const token = await signInternalIdentity(identity, process.env.INTERNAL_SECRET ?? LOCAL_INTERNAL_SECRET);
  return postGraphQL<T>(url, { [IDENTITY_HEADER]: token }, query, variables);
}

/** A frontend's view of the gateway: a user token in the Authorization header, nothing else. */
export function gatewayClient(url: string, identity: Identity) {
  let token: Promise<string> | undefined;
  return async <T = any>(query: string, variables?: object): Promise<GraphQLResponse<T>> => {
    token ??= signUserToken(identity, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET);
    return postGraphQL<T>(url, { authorization: `Bearer ${await token}` }, query, variables);
  };
}

/** The codes of a response's errors, for assertions. */
export const errorCodes = (response: GraphQLResponse) => (response.errors ?? []).map((error) => error.extensions?.code);

/** Unwraps data, failing loudly with the errors when there are any. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  if (!response.data) throw new Error('no data in GraphQL response');
  return response.data;
}
