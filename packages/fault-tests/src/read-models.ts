import type { Stack } from '@crm/testing';
import mongoose, { type Connection } from 'mongoose';

/**
 * Reads the services' own databases on the private store, by tenant and key: what the events
 * produced, to compare with what the writes imply. Read models without a GraphQL field (deals'
 * known companies, processed-event records) are only visible here.
 */
export class ReadModels {
  private constructor(
    private readonly connection: Connection,
    private readonly stack: Stack,
  ) {}

  static async open(stack: Stack): Promise<ReadModels> {
    const connection = await mongoose.createConnection(process.env.MONGODB_URL!, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    return new ReadModels(connection, stack);
  }

  close = () => this.connection.close();

  /** A process's database: `deals`, `activities`, or an extra instance's name. */
  private db(name: string) {
    const database = this.stack.processes.find((process) => process.name === name)?.database;
    if (!database) throw new Error(`no database for ${name}`);
    return this.connection.useDb(database, { useCache: true });
  }

  /** The companies the deals service learnt of from CompanyCreated. */
  async knownCompanies(tenantId: string, deals = 'deals'): Promise<string[]> {
    const rows = await this.db(deals).collection<{ _id: string }>('known_companies').find({ tenantId }, { projection: { _id: 1 } }).toArray();
    return rows.map((row) => row._id);
  }

  /** Stage tasks per deal, made by the activities consumer from DealStageChanged. */
  async stageTasks(tenantId: string, activities = 'activities'): Promise<StageTask[]> {
    return this.db(activities)
      .collection<StageTask>('activities')
      .find({ tenantId, kind: 'TASK' }, { projection: { dealId: 1, subject: 1, dueAt: 1, assigneeId: 1, sourceEventId: 1 } })
      .toArray();
  }

  /** The funnel projection's facts: each deal's furthest position and where the counters hold it. */
  async dealProgress(tenantId: string, analytics = 'analytics'): Promise<{ _id: string; maxPosition: number; counted: number | null; pendingTo: number | null }[]> {
    return this.db(analytics)
      .collection<{ _id: string; maxPosition: number; counted: number | null; pendingTo: number | null }>('deal_progress')
      .find({ tenantId }, { projection: { maxPosition: 1, counted: 1, pendingTo: 1 } })
      .sort({ _id: 1 })
      .toArray();
  }

  /** A pipeline's counters (deals per furthest position), without the move tokens and dates. */
  async funnelCounts(tenantId: string, pipelineId: string, analytics = 'analytics'): Promise<Record<string, number> | undefined> {
    const doc = await this.db(analytics)
      .collection<{ _id: string; counts: Record<string, number> }>('funnel_counts')
      .findOne({ _id: `${tenantId}:${pipelineId}`, tenantId });
    return doc?.counts;
  }

  /** Documents of a tenant whose outbox still holds events the relay has not published. */
  async unpublished(tenantId: string, service: string, collection: string): Promise<number> {
    return this.db(service).collection(collection).countDocuments({ tenantId, outboxPending: true });
  }

  /** processed_events records of one service's consumers for a tenant. */
  /** The processed-event records of one consumer group (its id, before any test suffix): a service runs several. */
  async processedCount(tenantId: string, service: string, group: string): Promise<number> {
    return this.db(service).collection('processed_events').countDocuments({ tenantId, consumer: { $regex: `^${group.replace(/\./g, '\\.')}` } });
  }
}

export interface StageTask {
  _id: unknown;
  dealId: string;
  subject: string;
  dueAt: Date;
  assigneeId: string;
  sourceEventId: string;
}

/** Effects per key, expected against found: lost (missing) and duplicated (extra) summed over keys. */
export function compareCounts(expected: Map<string, number>, found: Map<string, number>) {
  let lost = 0;
  let duplicated = 0;
  for (const key of new Set([...expected.keys(), ...found.keys()])) {
    const difference = (found.get(key) ?? 0) - (expected.get(key) ?? 0);
    if (difference < 0) lost -= difference;
    else duplicated += difference;
  }
  const sum = (counts: Map<string, number>) => [...counts.values()].reduce((total, count) => total + count, 0);
  return { expected: sum(expected), found: sum(found), lost, duplicated };
}

export const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};
