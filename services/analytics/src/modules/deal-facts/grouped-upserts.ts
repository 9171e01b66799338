import type { AnyBulkWriteOperation, BulkWriteOptions, Document } from 'mongodb';

/*
 * Upserts that start in the same turn of the event loop go to the store as one command (a bulk
 * write) instead of one command each: a batch's counter moves touch some ten documents per deal,
 * and each command costs the service a driver round and the store a parse and a commit. Each
 * upsert keeps its own outcome: no error means it matched or inserted; a write error (a filter
 * that excluded an existing document makes the upsert insert its `_id` again: a duplicate key)
 * rejects it as its own command would have. Which upserts of a failed bulk were done the local
 * store does not tell (FerretDB 1.24 stops at the first error even when told unordered, gives it
 * index 0 and counts nothing; measured), so after a write error each upsert of the command goes
 * again alone and settles by its own answer. That is safe because the callers' upserts are
 * idempotent (a token applied makes a repeat fail as a duplicate key, which they look into), and
 * rare: a redelivery, a refused stale writer, two first writes of a document at once.
 */

interface Pending {
  operation: AnyBulkWriteOperation<Document>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** At most this many upserts in one command; more go in the next. */
const MAX_PER_COMMAND = 500;

/** A collection's bulk write (a mongoose model's `collection`). */
export interface BulkWriter {
  bulkWrite(operations: AnyBulkWriteOperation<Document>[], options: BulkWriteOptions): Promise<unknown>;
}

export function groupedUpserts(collection: BulkWriter) {
  const pending: Pending[] = [];

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const group = pending.splice(0, MAX_PER_COMMAND);
      try {
        await collection.bulkWrite(
          group.map(({ operation }) => operation),
          { ordered: true },
        );
        for (const entry of group) entry.resolve();
      } catch (error) {
        // Without write errors (the store unreachable, say) every upsert of the command failed.
        if (!(error as { writeErrors?: unknown }).writeErrors) for (const entry of group) entry.reject(error);
        // Its own error (isDuplicateKey reads a bulk's write errors too).
        else for (const entry of group) await collection.bulkWrite([entry.operation], { ordered: true }).then(entry.resolve, entry.reject);
      }
    }
  }

  /** Resolves once the upsert matched or inserted; rejects with its own write error. */
  return (filter: Document, update: Document): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ operation: { updateOne: { filter, update, upsert: true } }, resolve, reject });
    });
}
