import type { BaseContext } from '@crm/service-kit';
import type { Express, Request } from 'express';
import { isUnauthenticated, sendError } from '../http/json-error';
import { EmptyUploadError, storeUpload, UploadTooLargeError } from './upload.store';

export interface UploadRouteOptions {
  maxBytes: number;
  ttlHours: number;
}

/** The original file name, as the gateway passes it on: printable, at most 255 characters, or none. */
function filenameOf(req: Request): string | null {
  const header = req.headers['x-upload-filename'];
  if (typeof header !== 'string') return null;
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    return null;
  }
  name = name.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return name ? name.slice(0, 255) : null;
}

/**
 * POST /uploads: the raw file, streamed by the gateway with the caller's signed identity, stored
 * chunk by chunk as it arrives (never whole in memory). Answers 201 `{ uploadId, size, format }`.
 */
export function uploadRoutes(options: UploadRouteOptions) {
  return (app: Express, identify: (req: Request) => Promise<BaseContext>) => {
    app.post('/uploads', async (req, res) => {
      let ctx: BaseContext;
      try {
        ctx = await identify(req);
      } catch (error) {
        if (isUnauthenticated(error)) return sendError(res, 401, 'UNAUTHENTICATED', (error as Error).message);
        throw error;
      }
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        res.setHeader('connection', 'close');
        return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${options.maxBytes} bytes (UPLOAD_MAX_BYTES)`);
      }
      try {
        const upload = await storeUpload(req, { tenantId: ctx.tenantId, userId: ctx.userId, filename: filenameOf(req), maxBytes: options.maxBytes, ttlHours: options.ttlHours });
        res.status(201).json({ uploadId: upload._id.toString(), size: upload.size, format: upload.format });
      } catch (error) {
        if (error instanceof EmptyUploadError) return sendError(res, 400, 'BAD_USER_INPUT', 'The file is empty');
        if (error instanceof UploadTooLargeError) {
          res.setHeader('connection', 'close');
          return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${options.maxBytes} bytes (UPLOAD_MAX_BYTES)`);
        }
        // The caller went away mid-file: nothing is kept (storeUpload deleted its chunks).
        if (req.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
        ctx.logger.error({ err: error }, 'upload failed');
        sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      }
    });
  };
}
