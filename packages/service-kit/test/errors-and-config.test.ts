import { LOCAL_INTERNAL_SECRET, LOCAL_KAFKA_SASL } from '@crm/auth';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, createErrorFormatter, parseConfig, parseInput, serviceEnvSchema } from '../src';

describe('error formatting', () => {
  const format = createErrorFormatter(pino({ level: 'silent' }));

  it('passes deliberate errors through without a stack trace', () => {
    const formatted = format({ message: 'Deal x not found', extensions: { code: 'NOT_FOUND', stacktrace: ['at secret.ts:1'] } }, new GraphQLError('x'));
    expect(formatted).toEqual({ message: 'Deal x not found', extensions: { code: 'NOT_FOUND' } });
  });

  it('hides unexpected errors behind a generic message', () => {
    const formatted = format({ message: 'E11000 duplicate key in crm.deals', path: ['createDeal'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, new Error('db'));
    expect(formatted).toEqual({ message: 'Internal server error', path: ['createDeal'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('says the store is unavailable, with a code a client may retry on, when the store cannot be reached', () => {
    const unreachable = Object.assign(new Error('Server selection timed out after 30000 ms (mongodb://10.0.0.5:27017)'), { name: 'MongoServerSelectionError' });
    const buffering = Object.assign(new Error('Operation `deals.findOne()` buffering timed out after 10000ms'), { name: 'MongooseError' });
    for (const cause of [unreachable, buffering]) {
      const formatted = format({ message: cause.message, path: ['createDeal'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, new GraphQLError(cause.message, { originalError: cause }));
      expect(formatted).toEqual({ message: 'The store is unavailable; try again shortly', path: ['createDeal'], extensions: { code: 'SERVICE_UNAVAILABLE' } });
    }
  });
});

describe('input validation', () => {
  it('names the first bad field and lists every issue', () => {
    const schema = z.object({ name: z.string().min(1, 'name must not be empty'), age: z.number().int() });
    try {
      parseInput(schema, { name: '', age: 1.5 });
      throw new Error('parseInput accepted bad input');
    } catch (error) {
      const { extensions, message } = error as GraphQLError;
      expect(message).toBe('name: name must not be empty');
      expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name', issues: [{ field: 'name' }, { field: 'age' }] });
    }
  });
});

describe('service config', () => {
  const schema = (env: NodeJS.ProcessEnv) => serviceEnvSchema({ port: 4001, database: 'crm_x' }, env);
  const local = { CRM_LOCAL_DEV: '1' };
  const strong = 'b3f1c9a07e5d4c2a9f8e7d6c5b4a3928';

  it('in a local run defaults to the local store, broker (with its SCRAM user) and secrets', () => {
    const config = parseConfig(schema(local), local);
    expect(config).toMatchObject({ PORT: 4001, MONGODB_URL: 'mongodb://127.0.0.1:27017', MONGODB_DB: 'crm_x', KAFKA_BROKERS: ['127.0.0.1:9092'] });
    expect(config).toMatchObject({ INTERNAL_SECRET: LOCAL_INTERNAL_SECRET, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: LOCAL_KAFKA_SASL.username });
    const plain = { ...local, KAFKA_SASL_MECHANISM: 'none' };
    expect(parseConfig(schema(plain), plain).KAFKA_SASL_MECHANISM).toBeUndefined();
  });

  it('splits broker lists and refuses bad values with every problem listed', () => {
    expect(parseConfig(schema(local), { ...local, KAFKA_BROKERS: 'a:9092, b:9092' }).KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(() => parseConfig(schema(local), { ...local, PORT: 'http', MONGODB_URL: 'postgres://x' })).toThrow(/PORT[\s\S]*MONGODB_URL/);
  });

  it('handles one message at a time unless the deployment allows more keys at once', () => {
    expect(parseConfig(schema(local), local).CONSUMER_PARALLEL_KEYS).toBe(1);
    expect(parseConfig(schema(local), { ...local, CONSUMER_PARALLEL_KEYS: '8' }).CONSUMER_PARALLEL_KEYS).toBe(8);
    expect(() => parseConfig(schema(local), { ...local, CONSUMER_PARALLEL_KEYS: '0' })).toThrow(/CONSUMER_PARALLEL_KEYS/);
  });

  it('outside a local run demands a real INTERNAL_SECRET, whatever NODE_ENV is', () => {
    for (const NODE_ENV of [undefined, 'development', 'test', 'production']) {
      const env = { NODE_ENV };
      expect(() => parseConfig(schema(env), env)).toThrow(/INTERNAL_SECRET must be set/);
      const dev = { ...env, INTERNAL_SECRET: LOCAL_INTERNAL_SECRET };
      expect(() => parseConfig(schema(dev), dev)).toThrow(/well-known local development secret/);
      const weak = { ...env, INTERNAL_SECRET: 'x'.repeat(32) };
      expect(() => parseConfig(schema(weak), weak)).toThrow(ConfigError);
      const good = { ...env, INTERNAL_SECRET: strong };
      expect(parseConfig(schema(good), good).INTERNAL_SECRET).toBe(strong);
    }
  });

  it('outside a local run assumes no broker credentials and refuses the local ones', () => {
    const env = { INTERNAL_SECRET: strong };
    expect(parseConfig(schema(env), env).KAFKA_SASL_MECHANISM).toBeUndefined();
    const localPassword = { ...env, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'deals', KAFKA_SASL_PASSWORD: LOCAL_KAFKA_SASL.password };
    expect(() => parseConfig(schema(localPassword), localPassword)).toThrow(/KAFKA_SASL_PASSWORD/);
  });

  it('refuses the local flag beside NODE_ENV=production', () => {
    const env = { ...local, NODE_ENV: 'production' };
    expect(() => parseConfig(schema(env), env)).toThrow(/CRM_LOCAL_DEV=1 .* cannot be combined with NODE_ENV=production/);
  });
});
