import { LOCAL_JWT_SECRET, signUserToken, type Identity } from '@crm/auth';
import { postGraphQL, type GraphQLResponse } from '@crm/testing';

/** A frontend's view: a user token in the Authorization header, nothing else. */
export function gatewayClient(url: string, identity: Identity) {
  let token: Promise<string> | undefined;
  return async <T = any>(query: string, variables?: object): Promise<GraphQLResponse<T>> => {
    token ??= signUserToken(identity, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET);
    return postGraphQL<T>(url, { authorization: `Bearer ${await token}` }, query, variables);
  };
}
