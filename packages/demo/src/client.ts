import { LOCAL_JWT_SECRET, signUserToken, type Identity } from '@crm/auth';

export interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

/** A frontend's view of the gateway: one user's token, one request at a time per call. */
export function gatewayAs(url: string, identity: Identity) {
  const token = signUserToken(identity, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET, '2h');
  return async <T = any>(query: string, variables?: object): Promise<T> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { data?: T; errors?: GraphQLError[] };
    if (body.errors?.length) throw new Error(body.errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; '));
    return body.data as T;
  };
}

export type Gateway = ReturnType<typeof gatewayAs>;

/** Runs `work` over `items` with at most `limit` at a time, in order of the items. */
export async function inParallel<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
