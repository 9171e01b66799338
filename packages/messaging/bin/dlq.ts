// Inspects and replays the dead-letter topic: npm run dlq -- list | show <id> | replay <id...|--all>
// Ids are <partition>:<offset> in the dead-letter topic. Options: --topic <name> (default
// crm.dead-letter), --limit <n> (latest n per partition, default 100). KAFKA_BROKERS, KAFKA_SSL and
// KAFKA_SASL_* as the services (the local broker's login when KAFKA_BROKERS is unset).
import pino from 'pino';
import { isLocalDevRun } from '@crm/auth';
import { createKafka, listDeadLetters, replayDeadLetters, showDeadLetter, type DeadLetter, kafkaSaslFromEnv } from '../src';

const USAGE = 'usage: npm run dlq -- list | show <partition:offset> | replay <partition:offset...|--all>  [--topic <name>] [--limit <n>]';

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [value] = args.splice(at, 2).slice(1);
  if (!value) throw new Error(`${name} needs a value`);
  return value;
}

const summary = (letter: DeadLetter) =>
  [letter.id, letter.headers['dlq-failed-at'] ?? '-', letter.headers['dlq-consumer'] ?? '-', letter.headers['event-type'] ?? '-', letter.headers['dlq-source-topic'] ?? '-', letter.headers['dlq-reason'] ?? '-'].join('  ');

function payloadOf(value: string | null): unknown {
  try {
    return value === null ? null : JSON.parse(value);
  } catch {
    return value; // poison: shown as it is
  }
}

export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const topic = option(args, '--topic');
  const limit = option(args, '--limit');
  const options = { ...(topic && { topic }), ...(limit && { limit: Number(limit) }) };
  const [command, ...rest] = args;
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
    ssl: process.env.KAFKA_SSL === 'true',
    // Against the local broker (no KAFKA_BROKERS, or a local run) the local login unless one is given.
    sasl: kafkaSaslFromEnv(process.env, !process.env.KAFKA_BROKERS || isLocalDevRun(process.env)),
    clientId: 'crm-dlq',
    logger: pino({ level: 'error' }, pino.destination(2)),
  });
  switch (command) {
    case 'list': {
      const letters = await listDeadLetters(kafka, options);
      console.log('id  failed-at  consumer  type  source-topic  reason');
      for (const letter of letters) console.log(summary(letter));
      console.log(`${letters.length} parked message(s)`);
      return 0;
    }
    case 'show': {
      if (rest.length !== 1) break;
      const letter = await showDeadLetter(kafka, rest[0]!, options);
      if (!letter) {
        console.error(`no dead letter ${rest[0]}`);
        return 1;
      }
      console.log(JSON.stringify({ id: letter.id, key: letter.key, headers: letter.headers, payload: payloadOf(letter.value) }, null, 2));
      return 0;
    }
    case 'replay': {
      if (rest.length === 0) break;
      const replayed = await replayDeadLetters(kafka, rest.includes('--all') ? 'all' : rest, options);
      for (const { id, topic: to } of replayed) console.log(`replayed ${id} -> ${to}`);
      console.log(`${replayed.length} message(s) replayed`);
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`dlq: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
