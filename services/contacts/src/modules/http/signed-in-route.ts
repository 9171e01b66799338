import { isStoreConnectionError } from '@crm/messaging';
import type { BaseContext } from '@crm/service-kit';
import type { Request, RequestHandler, Response } from 'express';
import { GraphQLError } from 'graphql';
import { sendError } from './json-error';

/** The HTTP status of each error code a route answers with; any other error is a 500. */
const STATUS_OF = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413, SERVICE_UNAVAILABLE: 503, STORE_TIMEOUT: 504 } as const;
export type RouteErrorCode = keyof typeof STATUS_OF;

/** An error a route throws to answer with its code's status (the same codes as the GraphQL errors). */
export const routeError = (code: RouteErrorCode, message: string) => new GraphQLError(message, { extensions: { code } });

/**
 * An HTTP route beside /graphql for a caller the gateway signed in: the identity is checked first
 * (401), and whatever the handler throws is answered as a JSON error, never as a stack trace.
 */
export function signedInRoute(
  identify: (req: Request) => Promise<BaseContext>,
  handle: (ctx: BaseContext, req: Request, res: Response) => Promise<unknown>,
): RequestHandler {
  return async (req, res) => {
    let ctx: BaseContext | undefined;
    try {
      ctx = await identify(req);
      await handle(ctx, req, res);
    } catch (error) {
      const code = error instanceof GraphQLError ? (error.extensions.code as RouteErrorCode) : undefined;
      if (code && code in STATUS_OF) return sendError(res, STATUS_OF[code], code, (error as Error).message);
      // The store's troubles are answered as GraphQL answers them: the sender may retry.
      if (isStoreConnectionError(error)) return sendError(res, 503, 'SERVICE_UNAVAILABLE', 'The store is unavailable; try again shortly');
      if ((error as { codeName?: unknown }).codeName === 'MaxTimeMSExpired') return sendError(res, 504, 'STORE_TIMEOUT', 'The store did not answer in time');
      // The caller went away mid-body: nobody is left to answer.
      if (req.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      ctx?.logger.error({ err: error, path: req.path }, 'route failed');
      sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  };
}
