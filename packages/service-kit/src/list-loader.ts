import DataLoader from 'dataloader';

/** One parent's list, with the size the caller asked for. */
export interface ListKey {
  id: string;
  first: number;
}

/**
 * A list per parent (a company's contacts, a deal's activities), each read from the store with
 * its own limit: one query per distinct parent and size, run in parallel. One query for all the
 * parents would have to read every parent's whole list, since the store subset we keep to
 * (FerretDB and MongoDB alike) has no limit per group. The gateway's cost limit bounds how many
 * parents one request asks for.
 */
export function createListLoader<T>(load: (id: string, limit: number) => Promise<T[]>): DataLoader<ListKey, T[], string> {
  return new DataLoader<ListKey, T[], string>(
    async (keys) => {
      const settled = await Promise.allSettled(keys.map(({ id, first }) => (first === 0 ? Promise.resolve([]) : load(id, first))));
      return settled.map((result) => (result.status === 'fulfilled' ? result.value : result.reason instanceof Error ? result.reason : new Error(String(result.reason))));
    },
    { cacheKeyFn: ({ id, first }) => `${first}:${id}` },
  );
}
