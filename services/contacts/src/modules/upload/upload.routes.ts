import type { BaseContext } from '@crm/service-kit';
import type { Express, Request } from 'express';
import { routeError, signedInRoute } from '../http/signed-in-route';
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
    const tooLarge = () => routeError('PAYLOAD_TOO_LARGE', `The file is larger than ${options.maxBytes} bytes (UPLOAD_MAX_BYTES)`);
    app.post(
      '/uploads',
      signedInRoute(identify, async (ctx, req, res) => {
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.maxBytes) throw tooLarge();
        try {
          const upload = await storeUpload(req, { tenantId: ctx.tenantId, userId: ctx.userId, filename: filenameOf(req), maxBytes: options.maxBytes, ttlHours: options.ttlHours });
          res.status(201).json({ uploadId: upload._id.toString(), size: upload.size, format: upload.format });
        } catch (error) {
          if (error instanceof EmptyUploadError) throw routeError('BAD_USER_INPUT', 'The file is empty');
          if (error instanceof UploadTooLargeError) throw tooLarge();
          throw error; // a caller gone mid-file leaves nothing (storeUpload deleted its chunks)
        }
      }),
    );
  };
}
