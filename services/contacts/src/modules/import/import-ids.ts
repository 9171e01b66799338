import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/** What a row creates: its own record (a contact, or a company row's company), or the company a contact row names. */
export type RecordKind = 'row' | 'employer';

const MAX_ROW = 0x7fffff;

/**
 * Deterministic ids for what an import creates, so that a batch run again after a crash inserts
 * nothing twice (the store refuses an existing _id) and a record tells which row of which import
 * made it. 12 bytes as any ObjectId: the job's creation time (4, so lists by _id keep their
 * newest-first order), 5 bytes of a hash of the job id, then the kind (1 bit) and the row (23 bits).
 */
export function importIds(jobId: string, jobCreatedAt: Date) {
  const prefix = Buffer.alloc(9);
  prefix.writeUInt32BE(Math.floor(jobCreatedAt.getTime() / 1000));
  createHash('sha256').update(jobId).digest().copy(prefix, 4, 0, 5);
  return {
    idOf(kind: RecordKind, row: number): Types.ObjectId {
      if (row > MAX_ROW) throw new RangeError(`row ${row} is beyond what an import id holds`);
      const bytes = Buffer.alloc(12);
      prefix.copy(bytes);
      bytes.writeUIntBE((kind === 'employer' ? 0x800000 : 0) | row, 9, 3);
      return new Types.ObjectId(bytes);
    },
    /** The row of this import that made `id`, or null when this import did not. */
    rowOf(id: Types.ObjectId | string): number | null {
      const bytes = Buffer.from(String(id), 'hex');
      return bytes.length === 12 && bytes.subarray(0, 9).equals(prefix) ? bytes.readUIntBE(9, 3) & MAX_ROW : null;
    },
  };
}

export type ImportIds = ReturnType<typeof importIds>;
