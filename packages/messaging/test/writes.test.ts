import { topics } from '@crm/events';
import mongoose, { Schema } from 'mongoose';
import pino from 'pino';
import { createKafkaPublisher, createOutboxRelay, insertManyWithEvents, insertWithEvents, isDuplicateKey, updateWithEvents, type EventPublisher, type OutboxRelay } from '../src';
import { readTopics, testKafka, uniqueId, type TopicReader } from '../src/testing';
import { AggregateModel, companyCreated, connectTestDb, dropTestDb } from './setup';

const logger = pino({ level: 'silent' });
let publisher: EventPublisher;
let relay: OutboxRelay;
let reader: TopicReader;

// A unique key, for the duplicate-key check on a real index.
const Unique = mongoose.model('WritesTestUnique', new Schema({ tenantId: String, code: String }).index({ tenantId: 1, code: 1 }, { unique: true }));
interface ShapedDoc {
  tenantId: string;
  name: string;
  score?: number;
  note?: string | null;
  tags: string[];
  lines: { sku: string; qty: number }[];
  ownerId?: mongoose.Types.ObjectId | null;
  outbox: unknown[];
  outboxPending: boolean;
  outboxVersion: number;
}
const Shaped = mongoose.model<ShapedDoc>(
  'WritesTestShaped',
  new Schema<ShapedDoc>(
    {
      tenantId: { type: String, required: true },
      name: { type: String, required: true },
      score: Number,
      note: { type: String, default: 'none' },
      tags: { type: [String], default: [] },
      lines: { type: [new Schema({ sku: { type: String, required: true }, qty: { type: Number, default: 1 } }, { _id: false })], default: [] },
      ownerId: { type: Schema.Types.ObjectId, default: null },
      outbox: { type: Array, default: [] },
      outboxPending: { type: Boolean, default: false },
      outboxVersion: { type: Number, default: 0 },
    },
    { timestamps: true, versionKey: false, minimize: false },
  ),
);

beforeAll(async () => {
  await connectTestDb();
  await Unique.createIndexes();
  publisher = createKafkaPublisher(testKafka());
  // A poll far longer than any test: only the write seam's wake-up can deliver within one.
  relay = createOutboxRelay({ models: [AggregateModel], publisher, logger, pollIntervalMs: 3_600_000 });
  reader = await readTopics([topics.company]);
  relay.start();
  await relay.flush();
});
afterAll(async () => {
  await relay.stop();
  await reader.close();
  await publisher.close();
  await dropTestDb();
});

describe('the write seam', () => {
  it('inserts a document with its events (built from the new document) and wakes the relay', async () => {
    const tenantId = uniqueId('tenant');
    const doc = await insertWithEvents(AggregateModel, { tenantId, name: 'created' }, (created) => companyCreated(tenantId, String(created._id)));
    expect(doc).toMatchObject({ tenantId, name: 'created', outboxPending: true, outboxVersion: 1 });
    const [event] = doc.outbox;
    expect(event?.data.name).toBe(String(doc._id));
    await reader.waitFor((m) => m.event?.id === event!.id, 'the inserted event, delivered by the wake-up');
  });

  it('updates one document with its events atomically, returns it as stored, and wakes the relay', async () => {
    const tenantId = uniqueId('tenant');
    const created = (await AggregateModel.create({ tenantId, name: 'before' })).toObject();
    const event = companyCreated(tenantId, 'moved');
    const updated = await updateWithEvents(AggregateModel, { _id: created._id, tenantId, name: 'before' }, { $set: { name: 'after' } }, event);
    expect(updated).toMatchObject({ name: 'after', outboxPending: true });
    expect(updated!.outbox.map((e) => e.id)).toEqual([event.id]);
    await reader.waitFor((m) => m.event?.id === event.id, 'the update event, delivered by the wake-up');
  });

  it('writes nothing, no event either, when the filter matches nothing', async () => {
    const tenantId = uniqueId('tenant');
    const created = (await AggregateModel.create({ tenantId, name: 'kept' })).toObject();
    const missed = await updateWithEvents(AggregateModel, { _id: created._id, tenantId, name: 'other' }, { $set: { name: 'lost' } }, companyCreated(tenantId));
    expect(missed).toBeNull();
    expect(await AggregateModel.findById(created._id).lean()).toMatchObject({ name: 'kept', outbox: [], outboxPending: false });
  });

  it('inserts many documents, each with its own events, reports the ones written before, and wakes the relay', async () => {
    const tenantId = uniqueId('tenant');
    const ids = [0, 1, 2].map(() => new mongoose.Types.ObjectId());
    const docs = ids.map((_id, i) => ({ fields: { _id, tenantId, name: `bulk ${i}` }, events: [(doc: { _id: unknown }) => companyCreated(tenantId, String(doc._id))] }));
    // The middle one was written by an earlier run: it is reported, the others are inserted.
    await AggregateModel.create({ _id: ids[1], tenantId, name: 'earlier' });
    // Nothing written to stderr per document: mongoose 9 warns on every validateSync() call.
    const warnings = jest.spyOn(process, 'emitWarning');
    const result = await insertManyWithEvents(AggregateModel, docs);
    const warned = warnings.mock.calls.map(([warning]) => String(warning));
    warnings.mockRestore();
    expect(warned).toEqual([]);
    expect(result).toEqual({ inserted: [0, 2], duplicates: [1] });
    const stored = await AggregateModel.find({ tenantId, _id: { $in: ids } }).lean();
    expect(stored.map((doc) => doc.name).sort()).toEqual(['bulk 0', 'bulk 2', 'earlier']);
    for (const i of [0, 2]) {
      const doc = stored.find((d) => String(d._id) === String(ids[i]))!;
      expect(doc).toMatchObject({ outboxPending: true, outboxVersion: 1 });
      expect(doc.outbox).toHaveLength(1);
      await reader.waitFor((m) => m.event?.id === doc.outbox[0]!.id && m.event?.data.name === String(ids[i]), 'each bulk-inserted event, delivered by the wake-up');
    }
    // Anything but a duplicate key is thrown.
    await expect(insertManyWithEvents(AggregateModel, [{ fields: { name: 'no tenant' }, events: [] }])).rejects.toThrow(/tenantId/);
  });

  it('a bulk insert stores each document as a mongoose document would store it, and refuses what one would refuse', async () => {
    const tenantId = uniqueId('tenant');
    const fields = (name: string) => ({
      tenantId,
      name,
      score: '42', // cast to a number
      note: null, // kept as null
      lines: [{ sku: 'A-1', qty: '2' }, { sku: 'B-2' }], // cast, and the subdocument's default
      ownerId: new mongoose.Types.ObjectId().toHexString(), // cast to an ObjectId
    });
    const created = (await Shaped.create(fields('created') as never)).toObject();
    await insertManyWithEvents(Shaped, [{ fields: fields('bulk'), events: [] }]);
    const bulk = await Shaped.findOne({ tenantId, name: 'bulk' }).lean<Record<string, unknown>>();
    const stored = await Shaped.findOne({ _id: created._id }).lean<Record<string, unknown>>();
    const shape = ({ _id, createdAt, updatedAt, outbox, outboxPending, outboxVersion, name, ownerId, ...rest }: Record<string, unknown>) => ({
      ...rest,
      ownerId: ownerId instanceof mongoose.Types.ObjectId,
      times: createdAt instanceof Date && updatedAt instanceof Date,
    });
    expect(shape(bulk!)).toEqual(shape(stored!));
    expect(bulk).toMatchObject({ score: 42, note: null, tags: [], lines: [{ sku: 'A-1', qty: 2 }, { sku: 'B-2', qty: 1 }] });
    // A value of the wrong type, and a missing required path, refuse the whole call: nothing is written.
    await expect(insertManyWithEvents(Shaped, [{ fields: { ...fields('bad score'), score: 'many' }, events: [] }])).rejects.toThrow(/score/);
    await expect(insertManyWithEvents(Shaped, [{ fields: fields('fine'), events: [] }, { fields: { ...fields('no sku'), lines: [{ qty: 1 }] }, events: [] }])).rejects.toThrow(/sku/);
    await expect(insertManyWithEvents(Shaped, [{ fields: { name: 'no tenant' }, events: [] }])).rejects.toThrow(/tenantId/);
    expect(await Shaped.countDocuments({ tenantId })).toBe(2);
  });

  it('tells a duplicate key from other errors, for one document and for a bulk insert', async () => {
    const tenantId = uniqueId('tenant');
    await Unique.create({ tenantId, code: 'a' });
    const single = await Unique.create({ tenantId, code: 'a' }).catch((error: unknown) => error);
    expect(isDuplicateKey(single)).toBe(true);
    const bulk = await Unique.insertMany([{ tenantId, code: 'a' }, { tenantId, code: 'b' }], { ordered: false }).catch((error: unknown) => error);
    expect(isDuplicateKey(bulk)).toBe(true);
    // An update onto another document's unique value (FerretDB answers this one differently from an insert).
    await Unique.create({ tenantId, code: 'c' });
    const updated = await Unique.findOneAndUpdate({ tenantId, code: 'c' }, { $set: { code: 'a' } }).catch((error: unknown) => error);
    expect(isDuplicateKey(updated)).toBe(true);
    expect(isDuplicateKey(new Error('something else'))).toBe(false);
    expect(isDuplicateKey(null)).toBe(false);
  });
});
