import { model, Schema, type Types } from 'mongoose';
import type { FileFormat } from '../upload/upload.model';
import type { CompanyExportFilter } from './find-companies';

/** An export asked for: the file is written when it is downloaded, from what the filter matches then. */
export interface ExportDoc {
  _id: Types.ObjectId;
  tenantId: string;
  userId: string;
  format: FileFormat;
  filter: CompanyExportFilter;
  expiresAt: Date;
  /** UTC day it was asked for: the clean-up deletes whole days. */
  day: string;
}

const schema = new Schema<ExportDoc>(
  {
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
    format: { type: String, required: true },
    filter: { type: Schema.Types.Mixed, default: {} },
    expiresAt: { type: Date, required: true },
    day: { type: String, required: true },
  },
  { versionKey: false, collection: 'exports', minimize: false },
);
schema.index({ tenantId: 1, _id: 1 });
schema.index({ day: 1 });

export const ExportModel = model<ExportDoc>('Export', schema);
