import type { Logger } from 'pino';
import { readUpload } from '../upload/upload.store';
import { UploadModel, type UploadDoc } from '../upload/upload.model';
import { importBatch, newDryRunMemory, type BatchJob } from './import-batch';
import { mappingFromHeadings } from './import-fields';
import { importIds } from './import-ids';
import { ImportJobModel, MAX_KEPT_ERRORS, type ImportCounts, type ImportJobDoc, type ImportRowError } from './import-job.model';
import { importRules, mappedValues, readRow, type RowRecord } from './import-row';
import { sheetRows } from './spreadsheet-rows';

export interface ImportRunOptions {
  batchSize: number;
  maxRows: number;
  leaseMs: number;
  logger: Logger;
  /** True once the worker is asked to stop: the run ends after the batch it is in. */
  stopping: () => boolean;
}

/**
 * A row naming an owner outside the importer's scope (snapshot on the job, whatever the mapping:
 * an "Owner" heading is mapped only now) is refused with the reason, on the owner's column.
 */
function ownerAllowed(record: RowRecord, job: ImportJobDoc, mapping: ImportJobDoc['mapping']): RowRecord {
  if (record.kind === 'invalid' || !job.assignableOwnerIds) return record;
  const ownerId = record.kind === 'company' ? record.company.ownerId : record.contact.ownerId;
  if (!ownerId || ownerId === job.userId || job.assignableOwnerIds.includes(ownerId)) return record;
  const column = mapping.find(({ field }) => field === 'ownerId')?.column ?? null;
  return { kind: 'invalid', row: record.row, errors: [{ row: record.row, column, message: `ownerId: you may not assign records to ${ownerId} (FORBIDDEN)` }] };
}

/** The job as a worker holds it: every write is conditional on its claim (`attempt`). */
const held = (job: ImportJobDoc) => ({ _id: job._id, tenantId: job.tenantId, attempt: job.attempt });

async function finish(job: ImportJobDoc, set: Partial<ImportJobDoc>): Promise<void> {
  await ImportJobModel.updateOne(held(job), { $set: { ...set, finishedAt: new Date(), leaseOwner: null, leaseUntil: null } });
}

/** Counts the file's data rows (a first, streamed pass), so that progress has a total. */
async function countRows(upload: UploadDoc, maxRows: number): Promise<number> {
  let rows = -1; // the headings are not data
  for await (const _row of sheetRows(readUpload(upload), upload.format)) {
    rows += 1;
    if (rows > maxRows) break;
  }
  return Math.max(rows, 0);
}

/**
 * Runs a claimed job from its checkpoint to its end: rows are streamed from the stored upload,
 * read, checked and written a batch at a time; after each batch the counts, the first errors
 * and the row reached are saved together (the checkpoint) and the lease renewed. A run that lost
 * its claim (its lease ran out and another worker took the job) stops at its next checkpoint.
 */
export async function runImport(job: ImportJobDoc, options: ImportRunOptions): Promise<void> {
  const upload = await UploadModel.findOne({ _id: job.uploadId, tenantId: job.tenantId }).lean<UploadDoc>();
  if (!upload || upload.status !== 'COMPLETE') return finish(job, { status: 'FAILED', failure: 'The uploaded file has expired or is gone: upload it again' });

  let total = job.total ?? null;
  if (total === null) {
    total = await countRows(upload, options.maxRows);
    if (total > options.maxRows) return finish(job, { status: 'FAILED', total, failure: `The file has more than ${options.maxRows} rows (IMPORT_MAX_ROWS)` });
    const saved = await ImportJobModel.updateOne(held(job), { $set: { total, leaseUntil: new Date(Date.now() + options.leaseMs) } });
    if (saved.matchedCount === 0) return;
  }

  const rows = sheetRows(readUpload(upload), upload.format);
  const header = await rows.next();
  if (header.done) return finish(job, { status: 'FAILED', total: 0, failure: 'The file has no rows' });
  const headings = header.value.cells.map((cell) => cell.trim());
  const columnIndex = new Map<string, number>();
  headings.forEach((heading, i) => columnIndex.has(heading) || columnIndex.set(heading, i));
  const mapping = job.mapping.length > 0 ? job.mapping : mappingFromHeadings(job.entity, headings);
  const missing = mapping.filter(({ column }) => !columnIndex.has(column));
  if (mapping.length === 0 || missing.length > 0) {
    await rows.return(undefined);
    const errors: ImportRowError[] = missing.map(({ column }) => ({ row: 1, column, message: `no column "${column}" in the file's first row` }));
    const failure = mapping.length === 0 ? 'No column of the file is known: give a mapping' : `Mapped columns missing from the file: ${missing.map(({ column }) => column).join(', ')}`;
    return finish(job, { status: 'FAILED', failure, errors, errorCount: errors.length });
  }

  if (job.dryRun && job.processed > 0) {
    // A dry run remembers the file's keys in memory only: resumed, it starts again from the first row.
    const reset = { created: 0, updated: 0, skipped: 0, failed: 0, companiesCreated: 0, processed: 0, errorCount: 0, errors: [] };
    if ((await ImportJobModel.updateOne(held(job), { $set: reset })).matchedCount === 0) return;
    job = { ...job, ...reset };
  }
  // The tenant's rules (custom fields, required fields, default country), read again at every batch.
  const rulesOf = () => importRules(job.tenantId, job.defaultCountry ?? null);
  const batchJob: BatchJob = {
    rules: await rulesOf(),
    tenantId: job.tenantId,
    userId: job.userId,
    dryRun: job.dryRun,
    mapping,
    cause: { tenantId: job.tenantId, userId: job.userId, correlationId: job.correlationId ?? undefined },
    ids: importIds(String(job._id), job.createdAt),
    memory: job.dryRun ? newDryRunMemory() : undefined,
  };
  const counts: ImportCounts = { created: job.created, updated: job.updated, skipped: job.skipped, failed: job.failed, companiesCreated: job.companiesCreated };
  let { processed, errorCount } = job;
  let kept = job.errors.length;
  let index = 0; // data rows read so far
  let batch: RowRecord[] = [];

  const checkpoint = async (): Promise<boolean> => {
    const outcome = await importBatch(batch, batchJob);
    for (const key of Object.keys(counts) as (keyof ImportCounts)[]) counts[key] += outcome.counts[key];
    const newErrors = outcome.errors.slice(0, Math.max(0, MAX_KEPT_ERRORS - kept));
    kept += newErrors.length;
    errorCount += outcome.errors.length;
    processed = index;
    batch = [];
    const saved = await ImportJobModel.updateOne(held(job), {
      $set: { ...counts, processed, errorCount, leaseUntil: new Date(Date.now() + options.leaseMs) },
      ...(newErrors.length > 0 && { $push: { errors: { $each: newErrors } } }),
    });
    if (saved.matchedCount === 0) return false;
    batchJob.rules = await rulesOf(); // for the next batch's rows
    return true;
  };

  try {
    for await (const { row, cells } of rows) {
      index += 1;
      if (index <= processed) continue; // done before the checkpoint
      batch.push(ownerAllowed(readRow(row, mappedValues(cells, mapping, columnIndex), mapping, job.entity, batchJob.rules), job, mapping));
      if (batch.length < options.batchSize) continue;
      if (!(await checkpoint())) return; // the claim was taken over
      if (options.stopping()) return; // another worker resumes from the checkpoint
    }
    if (batch.length > 0 && !(await checkpoint())) return;
  } finally {
    await rows.return(undefined);
  }
  await finish(job, { status: 'DONE', total: index, processed: index });
  options.logger.info({ jobId: String(job._id), tenantId: job.tenantId, rows: index, ...counts }, 'import done');
}
