import type { Response } from 'express';
import { GraphQLError } from 'graphql';

/** An HTTP route's error in the GraphQL errors' shape, so clients read one kind of error everywhere. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** UNAUTHENTICATED from the identity check as a 401; anything else is the caller's to handle. */
export const isUnauthenticated = (error: unknown) => error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED';
