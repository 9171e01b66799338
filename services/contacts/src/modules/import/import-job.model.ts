import { model, Schema, type Types } from 'mongoose';
import type { FileFormat } from '../upload/upload.model';

export type ImportEntity = 'CONTACT' | 'COMPANY';
export type ImportStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';

export interface ColumnMapping {
  column: string;
  field: string;
}

export interface ImportRowError {
  row: number;
  column?: string | null;
  message: string;
}

export interface ImportCounts {
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  companiesCreated: number;
}

/** An import: what to read and how, and its progress, which is also its checkpoint. */
export interface ImportJobDoc extends ImportCounts {
  _id: Types.ObjectId;
  tenantId: string;
  /** Who started it: the actor of every event it writes. */
  userId: string;
  correlationId?: string | null;
  uploadId: Types.ObjectId;
  format: FileFormat;
  entity: ImportEntity;
  mapping: ColumnMapping[];
  dryRun: boolean;
  defaultCountry?: string | null;
  /**
   * The owners the importer may give rows (their create and assign scopes when the import
   * started: null = anyone), kept whatever the mapping (an "Owner" heading is mapped only when
   * the job runs). A row naming another owner is refused, like an invalid one.
   */
  assignableOwnerIds?: string[] | null;
  status: ImportStatus;
  total?: number | null;
  /** Data rows done: every row before it is written, with the counts and errors above. */
  processed: number;
  errorCount: number;
  /** The first MAX_KEPT_ERRORS errors in row order. */
  errors: ImportRowError[];
  failure?: string | null;
  /** The worker holding a RUNNING job, until when (renewed at every batch). */
  leaseOwner?: string | null;
  leaseUntil?: Date | null;
  /** Incremented at every claim: a worker whose lease was taken over can no longer checkpoint. */
  attempt: number;
  createdAt: Date;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

export const MAX_KEPT_ERRORS = 1000;

const schema = new Schema<ImportJobDoc>(
  {
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
    correlationId: String,
    uploadId: { type: Schema.Types.ObjectId, required: true },
    format: { type: String, required: true },
    entity: { type: String, required: true },
    mapping: { type: [new Schema<ColumnMapping>({ column: { type: String, required: true }, field: { type: String, required: true } }, { _id: false })], default: [] },
    dryRun: { type: Boolean, default: false },
    defaultCountry: String,
    assignableOwnerIds: { type: [String], default: null },
    status: { type: String, required: true },
    total: { type: Number, default: null },
    processed: { type: Number, default: 0 },
    created: { type: Number, default: 0 },
    updated: { type: Number, default: 0 },
    skipped: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    companiesCreated: { type: Number, default: 0 },
    errorCount: { type: Number, default: 0 },
    errors: { type: [new Schema<ImportRowError>({ row: { type: Number, required: true }, column: String, message: { type: String, required: true } }, { _id: false })], default: [] },
    failure: String,
    leaseOwner: String,
    leaseUntil: Date,
    attempt: { type: Number, default: 0 },
    startedAt: Date,
    finishedAt: Date,
  },
  // `errors` is a field here, not mongoose's validation errors.
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false, collection: 'import_jobs', suppressReservedKeysWarning: true },
);
schema.index({ tenantId: 1, _id: 1 });
// The worker's queue, for every tenant (like the outbox's mark): equality on the status.
schema.index({ status: 1 });

export const ImportJobModel = model<ImportJobDoc>('ImportJob', schema);
