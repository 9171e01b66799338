import { HeaderMap, type ApolloServer } from '@apollo/server';
import { searchOf } from '@crm/service-kit';
import type { Request, RequestHandler } from 'express';
import type { GatewayContext } from './context';
import { InFlight } from './in-flight';
import { operationKey } from './sharing-keys';

/** An Apollo answer read to its end, so that callers sharing one execution can each be sent it. */
interface Answer {
  status: number;
  headers: [string, string][];
  /** Encoded once: its length is the content-length, and every caller sharing it is sent the same bytes. */
  body: Buffer;
}

/**
 * POST/GET /graphql, in place of expressMiddleware: the caller is verified first, so that
 * identical concurrent queries of the same caller (same document, operation name and
 * variables) share one execution; mutations and anything else run once per request.
 * A failed verification is thrown from Apollo's context function, so errors look as before.
 * A shared execution carries the first caller's correlation id to the subgraphs.
 */
export function graphqlHandler(
  apollo: ApolloServer<GatewayContext>,
  authenticate: (req: Request) => Promise<GatewayContext>,
  { maxTokens }: { maxTokens?: number } = {},
): RequestHandler {
  const inFlight = new InFlight<Answer>();
  return async (req, res, next) => {
    try {
      // A raw request target such as `//[` is no URL: a bad request, not a thrown error.
      const search = searchOf(req);
      if (search === undefined) return void res.status(400).json({ errors: [{ message: 'The request URL is not valid', extensions: { code: 'BAD_REQUEST' } }] });
      const auth = await authenticate(req).then(
        (context) => ({ context, error: undefined }),
        (error: unknown) => ({ context: undefined, error }),
      );
      const operation = req.method === 'POST' && auth.context ? operationKey(auth.context.identity, req.body ?? {}, maxTokens) : undefined;
      // The answer's content type follows the Accept header: callers share only the same one.
      const key = operation && `${req.headers.accept ?? ''}\n${operation}`;
      const answer = await inFlight.run(key, async () => {
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search, body: req.body },
          context: async () => {
            if (auth.error) throw auth.error;
            return auth.context!;
          },
        });
        let body = '';
        if (response.body.kind === 'complete') body = response.body.string;
        else for await (const chunk of response.body.asyncIterator) body += chunk;
        return { status: response.status ?? 200, headers: [...response.headers], body: Buffer.from(body, 'utf8') };
      });
      res.statusCode = answer.status;
      for (const [name, value] of answer.headers) res.setHeader(name, value);
      res.setHeader('content-length', answer.body.length);
      res.end(answer.body);
    } catch (error) {
      next(error);
    }
  };
}
