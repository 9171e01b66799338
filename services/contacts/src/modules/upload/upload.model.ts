import { model, Schema, type Types } from 'mongoose';

export type FileFormat = 'CSV' | 'XLSX';

/** A file received through the gateway's POST /uploads (or made by an export), stored as bounded chunks. */
export interface UploadDoc {
  _id: Types.ObjectId;
  tenantId: string;
  userId: string;
  filename?: string | null;
  /** Told from the first bytes: a zip (XLSX) or text (CSV). */
  format: FileFormat;
  /** RECEIVING until the last chunk is stored: only COMPLETE uploads are read. */
  status: 'RECEIVING' | 'COMPLETE';
  size: number;
  chunks: number;
  expiresAt: Date;
  /** UTC day it was made: the clean-up deletes whole days (see messaging's day-bucket). */
  day: string;
  createdAt: Date;
}

export interface UploadChunkDoc {
  _id: Types.ObjectId;
  tenantId: string;
  uploadId: Types.ObjectId;
  /** 0, 1, 2...: read back in this order. */
  seq: number;
  data: Buffer;
  day: string;
}

/** A chunk's size: far under the 16 MB document limit, small enough that a reader holds a few at a time. */
export const CHUNK_BYTES = 256 * 1024;

const uploadSchema = new Schema<UploadDoc>(
  {
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
    filename: String,
    format: { type: String, required: true },
    status: { type: String, required: true },
    size: { type: Number, required: true },
    chunks: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    day: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, collection: 'uploads' },
);
uploadSchema.index({ tenantId: 1, _id: 1 });
// The hourly clean-up, for every tenant: equality on the day (the local store serves no range from an index).
uploadSchema.index({ day: 1 });

const chunkSchema = new Schema<UploadChunkDoc>(
  {
    tenantId: { type: String, required: true },
    uploadId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    data: { type: Buffer, required: true },
    day: { type: String, required: true },
  },
  { versionKey: false, collection: 'upload_chunks' },
);
chunkSchema.index({ tenantId: 1, uploadId: 1, seq: 1 }, { unique: true });
chunkSchema.index({ day: 1 });

export const UploadModel = model<UploadDoc>('Upload', uploadSchema);
export const UploadChunkModel = model<UploadChunkDoc>('UploadChunk', chunkSchema);
