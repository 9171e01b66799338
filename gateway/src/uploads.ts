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
  /** Contacts answers within this (a download's headers; an upload's answer once its body is sent). */
  timeoutMs: number;
  /** A transfer on which nothing moves for this long, either way, is cut (FILE_IDLE_TIMEOUT_MS). */
  idleTimeoutMs: number;
  verify: (token: string) => Promise<Identity>;
  signIdentity: (identity: Identity) => Promise<string>;
  logger: Logger;
}

class TooLargeError extends Error {
  override name = 'TooLargeError';
}

/** A multipart body that cannot be read (no boundary, a malformed part, cut short) or has no file: 400. */
class BadFormError extends Error {
  override name = 'BadFormError';
}

/** The error of `type` that failed a file: the error itself, or the cause undici wrapped it in. */
function failureOf<T extends Error>(error: unknown, type: new (message?: string) => T): T | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return error instanceof type ? error : cause instanceof type ? cause : undefined;
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
 * The file as passed on: at most `max` bytes. Its failure is read from `errored` when the upload
 * fails; until undici reads it nothing else listens, and an unheard 'error' would end the process.
 */
const passedOn = (file: Readable, max: number) => file.pipe(limited(max)).on('error', () => undefined);

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
    const stream = passedOn(req, max);
    // A client gone mid-body fails the file, and with it the contacts request (never left waiting).
    req.once('error', (error) => stream.destroy(error));
    return Promise.resolve({ stream, filename: typeof req.headers['x-upload-filename'] === 'string' ? req.headers['x-upload-filename'] : null });
  }
  return new Promise((resolve, reject) => {
    const unreadable = (error: Error) => new BadFormError(`The form could not be read: ${error.message}`);
    let parts: ReturnType<typeof busboy>;
    try {
      parts = busboy({ headers: req.headers, limits: { files: 1, fileSize: max, fields: 10, parts: 20 } });
    } catch (error) {
      return reject(unreadable(error as Error)); // no boundary
    }
    parts.once('file', (_name, stream, info) => {
      const out = passedOn(stream, max);
      // busboy fails the file stream when the form is cut short or breaks: that fails the upload
      // (an 'error' nobody listens for would end the process).
      stream.on('error', (error) => out.destroy(unreadable(error)));
      // busboy stops at fileSize and says so: over the limit, like a raw body.
      stream.once('limit', () => out.destroy(new TooLargeError()));
      resolve({ stream: out, filename: info.filename ? encodeURIComponent(info.filename) : null });
    });
    parts.on('error', (error: Error) => reject(unreadable(error)));
    parts.once('close', () => reject(new BadFormError('The form has no file')));
    // A client gone mid-body fails the form, and with it the file.
    req.once('error', (error) => parts.destroy(error));
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
  const { contactsUrl, maxBytes, timeoutMs, idleTimeoutMs, logger } = options;
  /** The caller, or why it is refused: the route answers (an upload only once its body is read). */
  const authenticate = (req: Request): Promise<GatewayContext | Error> => buildContext(req, options.verify).catch((error: Error) => error);
  /**
   * Cuts a transfer on which nothing moved for idleTimeoutMs, either way (the socket's idle timer:
   * a client that stopped reading a download or sending an upload). Closing its connection fails
   * the download's pipeline or the upload's body, and with it the contacts request.
   */
  const cutWhenIdle = (res: Response) => res.setTimeout(idleTimeoutMs, () => res.destroy());
  // Contacts' answer within timeoutMs; a streamed download's body may pause up to idleTimeoutMs (undici's defaults: 300 s each).
  const upstreamTimeouts = { headersTimeout: timeoutMs, bodyTimeout: idleTimeoutMs };
  const upstreamHeaders = async (context: GatewayContext) => ({ [IDENTITY_HEADER]: await options.signIdentity(context.identity), 'x-correlation-id': context.correlationId });
  const tooLarge = `The file is larger than the gateway accepts (UPLOAD_MAX_BYTES: ${maxBytes} bytes)`;

  app.post('/uploads', async (req, res) => {
    cutWhenIdle(res);
    const context = await authenticate(req);
    if (context instanceof Error) return refuseBody(req, res, maxBytes, 401, 'UNAUTHENTICATED', context.message);
    if (Number(req.headers['content-length']) > maxBytes) return refuseBody(req, res, maxBytes, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
    let file: Awaited<ReturnType<typeof fileOf>> | undefined;
    try {
      file = await fileOf(req, maxBytes);
      const upstream = await request(`${contactsUrl}/uploads`, {
        method: 'POST',
        headers: { ...(await upstreamHeaders(context)), 'content-type': 'application/octet-stream', ...(file.filename && { 'x-upload-filename': file.filename }) },
        body: file.stream,
        ...upstreamTimeouts,
      });
      const answer = await upstream.body.text();
      res.status(upstream.statusCode).type('application/json').send(answer);
    } catch (error) {
      if (req.destroyed && !req.complete) return; // the client went away: contacts drops what it had received
      // Why the file failed, however undici reports the body it could not send.
      const failure = file?.stream.errored ?? error;
      if (failureOf(failure, TooLargeError)) return refuseBody(req, res, maxBytes, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
      const badForm = failureOf(failure, BadFormError);
      if (badForm) return refuseBody(req, res, maxBytes, 400, 'BAD_REQUEST', badForm.message);
      logger.warn({ err: error }, 'upload could not be passed on');
      sendError(res, 503, 'SERVICE_UNAVAILABLE', 'the contacts service is unavailable; try again shortly');
    }
  });

  app.get('/downloads/:id', async (req, res) => {
    cutWhenIdle(res);
    const context = await authenticate(req);
    if (context instanceof Error) return sendError(res, 401, 'UNAUTHENTICATED', context.message);
    try {
      const upstream = await request(`${contactsUrl}/downloads/${encodeURIComponent(String(req.params.id))}`, { method: 'GET', headers: await upstreamHeaders(context), ...upstreamTimeouts });
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
