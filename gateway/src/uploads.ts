import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IDENTITY_HEADER, type Identity } from '@crm/auth';
import busboy from 'busboy';
import type { Express, Request, Response } from 'express';
import type { Logger } from 'pino';
import { request } from 'undici';
import { buildContext, type GatewayContext } from './context';

export interface FileRoutesOptions {
  /** The contacts subgraph's base URL (its /graphql without the path). */
  contactsUrl: string;
  maxBytes: number;
  verify: (token: string) => Promise<Identity>;
  signIdentity: (identity: Identity) => Promise<string>;
  logger: Logger;
}

class TooLargeError extends Error {
  override name = 'TooLargeError';
}

export const sendError = (res: Response, status: number, code: string, message: string) => {
  if (res.headersSent) return void res.destroy();
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
};

/** Passes bytes on until `max`, then fails the stream (and with it the upstream request). */
const limited = (max: number) => {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > max ? new TooLargeError() : null, chunk);
    },
  });
};

/**
 * A request refused before its body was read: the body is read on and dropped, and the answer
 * sent once the client has sent it all. Answering first would close the socket under a client
 * still writing, which then sees a broken pipe instead of the answer. A client sending more
 * than twice the limit is answered and cut off.
 */
export function refuseBody(req: Request, res: Response, max: number, status: number, code: string, message: string) {
  res.setHeader('connection', 'close');
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    sendError(res, status, code, message);
  };
  if (req.readableEnded) return answer();
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped <= 2 * max) return;
    answer();
    req.destroy();
  });
  req.once('end', answer);
  req.once('error', () => undefined);
  req.resume();
}

/** The file of the request: the raw body, or the first file part of a multipart/form-data body (busboy). */
function fileOf(req: Request, max: number): Promise<{ stream: Readable; filename: string | null }> {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    return Promise.resolve({ stream: req.pipe(limited(max)), filename: typeof req.headers['x-upload-filename'] === 'string' ? req.headers['x-upload-filename'] : null });
  }
  return new Promise((resolve, reject) => {
    const parts = busboy({ headers: req.headers, limits: { files: 1, fileSize: max, fields: 10, parts: 20 } });
    parts.once('file', (_name, stream, info) => {
      const out = stream.pipe(limited(max));
      // busboy stops at fileSize and says so: over the limit, like a raw body.
      stream.once('limit', () => out.destroy(new TooLargeError()));
      resolve({ stream: out, filename: info.filename ? encodeURIComponent(info.filename) : null });
    });
    parts.once('error', reject);
    parts.once('close', () => reject(new Error('no file in the form')));
    req.pipe(parts);
  });
}

/**
 * POST /uploads and GET /downloads/:id, authenticated as /graphql is (the user's JWT, then the
 * signed identity towards the subgraph). Files are streamed through, never held whole: an upload
 * is piped into the contacts service's POST /uploads as it arrives (over UPLOAD_MAX_BYTES: 413),
 * and a download is piped from its GET /downloads/:id.
 */
export function fileRoutes(app: Express, options: FileRoutesOptions): void {
  const { contactsUrl, maxBytes, logger } = options;
  const authenticate = async (req: Request, res: Response): Promise<GatewayContext | undefined> => {
    try {
      return await buildContext(req, options.verify);
    } catch (error) {
      sendError(res, 401, 'UNAUTHENTICATED', (error as Error).message);
      return undefined;
    }
  };
  const upstreamHeaders = async (context: GatewayContext) => ({ [IDENTITY_HEADER]: await options.signIdentity(context.identity), 'x-correlation-id': context.correlationId });
  const tooLarge = `The file is larger than the gateway accepts (UPLOAD_MAX_BYTES: ${maxBytes} bytes)`;

  app.post('/uploads', async (req, res) => {
    const context = await authenticate(req, res);
    if (!context) return refuseBody(req, res, maxBytes, 401, 'UNAUTHENTICATED', 'send Authorization: Bearer <token>');
    if (Number(req.headers['content-length']) > maxBytes) return refuseBody(req, res, maxBytes, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
    try {
      const file = await fileOf(req, maxBytes);
      const upstream = await request(`${contactsUrl}/uploads`, {
        method: 'POST',
        headers: { ...(await upstreamHeaders(context)), 'content-type': 'application/octet-stream', ...(file.filename && { 'x-upload-filename': file.filename }) },
        body: file.stream,
      });
      const answer = await upstream.body.text();
      res.status(upstream.statusCode).type('application/json').send(answer);
    } catch (error) {
      if (error instanceof TooLargeError || (error as { cause?: unknown }).cause instanceof TooLargeError) return refuseBody(req, res, maxBytes, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
      if ((error as Error).message === 'no file in the form') return sendError(res, 400, 'BAD_REQUEST', 'The form has no file');
      if (req.destroyed) return; // the client went away: contacts drops what it had received
      logger.warn({ err: error }, 'upload could not be passed on');
      sendError(res, 503, 'SERVICE_UNAVAILABLE', 'the contacts service is unavailable; try again shortly');
    }
  });

  app.get('/downloads/:id', async (req, res) => {
    const context = await authenticate(req, res);
    if (!context) return;
    try {
      const upstream = await request(`${contactsUrl}/downloads/${encodeURIComponent(String(req.params.id))}`, { method: 'GET', headers: await upstreamHeaders(context) });
      res.status(upstream.statusCode);
      for (const name of ['content-type', 'content-disposition', 'cache-control']) {
        const value = upstream.headers[name];
        if (typeof value === 'string') res.setHeader(name, value);
      }
      await pipeline(upstream.body, res);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      logger.warn({ err: error }, 'download could not be passed on');
      sendError(res, 503, 'SERVICE_UNAVAILABLE', 'the contacts service is unavailable; try again shortly');
    }
  });
}
