import { Readable } from 'node:stream';
import { dayOf } from '@crm/messaging';
import { Types } from 'mongoose';
import { CHUNK_BYTES, UploadChunkModel, UploadModel, type FileFormat, type UploadDoc } from './upload.model';

export class EmptyUploadError extends Error {
  override name = 'EmptyUploadError';
  constructor() {
    super('the file is empty');
  }
}

export class UploadTooLargeError extends Error {
  override name = 'UploadTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`);
  }
}

/** XLSX is a zip: it starts with "PK\x03\x04". Anything else is read as CSV. */
const formatOf = (head: Buffer): FileFormat => (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304 ? 'XLSX' : 'CSV');

export interface NewUpload {
  tenantId: string;
  userId: string;
  filename?: string | null;
  maxBytes: number;
  ttlHours: number;
}

/**
 * Stores a stream as 256 kB chunks, one insert per chunk as it fills (the source waits meanwhile:
 * memory stays at one chunk whatever the file's size). Over `maxBytes`, or a failing source, the
 * chunks written so far are deleted and the error is thrown; only a whole file becomes COMPLETE.
 */
export async function storeUpload(source: AsyncIterable<Buffer | string>, upload: NewUpload): Promise<UploadDoc> {
  const now = new Date();
  const _id = new Types.ObjectId();
  const base = { tenantId: upload.tenantId, uploadId: _id, day: dayOf(now) };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let size = 0;
  let seq = 0;
  let head: Buffer | undefined;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await UploadChunkModel.create({ ...base, seq, data });
    seq += 1;
  };
  try {
    for await (const piece of source) {
      let buffer = typeof piece === 'string' ? Buffer.from(piece) : piece;
      size += buffer.length;
      if (size > upload.maxBytes) throw new UploadTooLargeError(upload.maxBytes);
      head ??= buffer.subarray(0, 4);
      while (buffer.length > 0) {
        const take = Math.min(CHUNK_BYTES - pendingBytes, buffer.length);
        pending.push(buffer.subarray(0, take));
        pendingBytes += take;
        buffer = buffer.subarray(take);
        if (pendingBytes === CHUNK_BYTES) await flush();
      }
    }
    await flush();
    if (size === 0) throw new EmptyUploadError();
  } catch (error) {
    await UploadChunkModel.deleteMany({ tenantId: upload.tenantId, uploadId: _id }).catch(() => undefined);
    throw error;
  }
  const doc = await UploadModel.create({
    _id,
    tenantId: upload.tenantId,
    userId: upload.userId,
    filename: upload.filename ?? null,
    format: formatOf(head ?? Buffer.alloc(0)),
    status: 'COMPLETE',
    size,
    chunks: seq,
    expiresAt: new Date(now.getTime() + upload.ttlHours * 3_600_000),
    day: base.day,
  });
  return doc.toObject();
}

/** The tenant's upload, if it is there and has not expired; another tenant's is simply not found. */
export async function findUpload(tenantId: string, uploadId: string): Promise<UploadDoc | null> {
  if (!Types.ObjectId.isValid(uploadId)) return null;
  const upload = await UploadModel.findOne({ _id: uploadId, tenantId }).lean<UploadDoc>();
  return upload && upload.status === 'COMPLETE' && upload.expiresAt > new Date() ? upload : null;
}

/** The file back as a stream, a few chunks read at a time (by key), in order. */
export function readUpload(upload: Pick<UploadDoc, '_id' | 'tenantId' | 'chunks'>, chunksPerRead = 4): Readable {
  async function* chunks() {
    for (let first = 0; first < upload.chunks; first += chunksPerRead) {
      const seqs = Array.from({ length: Math.min(chunksPerRead, upload.chunks - first) }, (_, i) => first + i);
      const found = await UploadChunkModel.find({ tenantId: upload.tenantId, uploadId: upload._id, seq: { $in: seqs } }).lean();
      const bySeq = new Map(found.map((chunk) => [chunk.seq, chunk.data]));
      for (const seq of seqs) {
        const data = bySeq.get(seq);
        if (!data) throw new Error(`upload ${String(upload._id)} lacks chunk ${seq}`);
        yield Buffer.isBuffer(data) ? data : Buffer.from((data as { buffer: ArrayBuffer }).buffer);
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
