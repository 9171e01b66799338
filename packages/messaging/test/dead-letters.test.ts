import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { catalogue, CompanyCreated, createCatalogue, defineEvent, type Topic } from '@crm/events';
import pino from 'pino';
import { createConsumerRunner, ensureTopics, listDeadLetters, on, replayDeadLetters, showDeadLetter, toMessage, type ConsumerRunner } from '../src';
import { createTestProducer, testKafka, uniqueId, waitFor } from '../src/testing';
import { companyCreated, connectTestDb, dropTestDb } from './setup';

// Topics of this file's own (one partition each): a source topic owned by contacts, and a dead-letter topic.
const kafka = testKafka();
const sourceTopic = `crm.contacts.${uniqueId('dlq-source')}`;
const deadLetterTopic = `crm.dead-letter.${uniqueId('test')}`;
const groupId = uniqueId('dlq-test');
const tenantId = uniqueId('tenant');
const producer = createTestProducer(kafka);
// CompanyCreated as published on this file's topic: a consumer reads a type only from its own topic.
const CompanyCreatedHere = defineEvent({ ...CompanyCreated, topic: sourceTopic as Topic });
const catalogueHere = createCatalogue([...catalogue.definitions.filter((definition) => definition.type !== CompanyCreated.type), CompanyCreatedHere]);
const handled: string[] = [];
let broken = true;
let runner: ConsumerRunner;

beforeAll(async () => {
  await connectTestDb();
  await ensureTopics(kafka, [sourceTopic, deadLetterTopic], 1);
  runner = createConsumerRunner({
    kafka,
    groupId,
    topics: [sourceTopic],
    deadLetterTopic,
    catalogue: catalogueHere,
    logger: pino({ level: 'silent' }),
    retry: { attempts: 1 },
    handlers: [
      on(CompanyCreatedHere, async (_data, event) => {
        if (broken) throw new Error('the read model is broken');
        handled.push(event.id);
      }),
    ],
  });
  await runner.start();
});
afterAll(async () => {
  await runner.stop();
  await producer.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [sourceTopic, deadLetterTopic] }).catch(() => undefined);
  await admin.disconnect();
  await dropTestDb();
});

const options = { topic: deadLetterTopic, timeoutMs: 30_000 };
const send = (...events: ReturnType<typeof companyCreated>[]) => producer.sendRaw(sourceTopic, ...events.map((event) => toMessage(event) as { key: string; value: string }));
const timesHandled = (id: string) => handled.filter((handledId) => handledId === id).length;

test('lists, shows and replays parked messages; a replay is idempotent', async () => {
  const first = companyCreated(tenantId, 'First');
  const second = companyCreated(tenantId, 'Second');
  await send(first, second);
  const parked = await waitFor(async () => {
    const letters = await listDeadLetters(kafka, options);
    return letters.length >= 2 && letters;
  }, { what: 'both events parked', timeoutMs: 40_000 });
  expect(parked.map((letter) => letter.id)).toEqual(['0:0', '0:1']);
  expect(parked.map((letter) => JSON.parse(letter.value!).id)).toEqual([first.id, second.id]);
  expect(parked[0]!.headers).toMatchObject({ 'dlq-reason': 'handler failed 1 times: the read model is broken', 'dlq-consumer': groupId, 'dlq-attempts': '1', 'dlq-source-topic': sourceTopic });

  const shown = await showDeadLetter(kafka, '0:1', options);
  expect(shown).toEqual({ ...parked[1], id: '0:1' });
  expect(await showDeadLetter(kafka, '0:99', options)).toBeUndefined();

  // The handler is fixed: replay the first, twice. The consumer handles it once.
  broken = false;
  expect(await replayDeadLetters(kafka, ['0:0'], options)).toEqual([{ id: '0:0', topic: sourceTopic }]);
  await replayDeadLetters(kafka, ['0:0'], options);
  const marker = companyCreated(tenantId, 'Marker');
  await send(marker); // one partition: handled after both replays
  await waitFor(() => handled.includes(marker.id), { what: 'the marker behind the replays' });
  expect(timesHandled(first.id)).toBe(1);
  expect(timesHandled(second.id)).toBe(0);

  // The CLI, as `npm run dlq -- replay --all` runs it (with the repo's Node).
  const tsx = join(dirname(require.resolve('tsx/package.json')), 'dist/cli.mjs');
  const cli = spawnSync(process.execPath, [tsx, join(__dirname, '../bin/dlq.ts'), 'replay', '--all', '--topic', deadLetterTopic], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '--disable-warning=TimeoutNegativeWarning' },
  });
  expect(cli.stderr).toBe('');
  expect(cli.stdout).toBe(`replayed 0:0 -> ${sourceTopic}\nreplayed 0:1 -> ${sourceTopic}\n2 message(s) replayed\n`);
  expect(cli.status).toBe(0);
  await waitFor(() => timesHandled(second.id) === 1, { what: 'the second event, replayed by the CLI' });
  const lastMarker = companyCreated(tenantId, 'Last marker');
  await send(lastMarker);
  await waitFor(() => handled.includes(lastMarker.id), { what: 'the last marker' });
  expect([timesHandled(first.id), timesHandled(second.id)]).toEqual([1, 1]);
});

test('the CLI explains its usage', () => {
  const tsx = join(dirname(require.resolve('tsx/package.json')), 'dist/cli.mjs');
  const cli = spawnSync(process.execPath, [tsx, join(__dirname, '../bin/dlq.ts'), 'show'], { encoding: 'utf8', timeout: 60_000 });
  expect(cli.status).toBe(2);
  expect(cli.stderr).toMatch(/^usage: npm run dlq -- list \| show <partition:offset> \| replay/);
});
