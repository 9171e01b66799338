import type { Response } from 'express';

/** An HTTP route's error in the GraphQL errors' shape, so clients read one kind of error everywhere. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refused body may still be coming: close rather than read it.
  if (status === 413) res.setHeader('connection', 'close');
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}
