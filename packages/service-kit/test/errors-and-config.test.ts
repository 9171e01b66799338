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

  it('defaults to the local store and broker', () => {
    const config = parseConfig(schema({}), {});
    expect(config).toMatchObject({ PORT: 4001, MONGODB_URL: 'mongodb://127.0.0.1:27017', MONGODB_DB: 'crm_x', KAFKA_BROKERS: ['127.0.0.1:9092'] });
  });

  it('splits broker lists and refuses bad values with every problem listed', () => {
    expect(parseConfig(schema({}), { KAFKA_BROKERS: 'a:9092, b:9092' }).KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(() => parseConfig(schema({}), { PORT: 'http', MONGODB_URL: 'postgres://x' })).toThrow(/PORT[\s\S]*MONGODB_URL/);
  });

  it('demands real secrets in production', () => {
    const env = { NODE_ENV: 'production' };
    expect(() => parseConfig(schema(env), env)).toThrow(ConfigError);
    const withSecret = { ...env, INTERNAL_SECRET: 'x'.repeat(32) };
    expect(parseConfig(schema(withSecret), withSecret).INTERNAL_SECRET).toHaveLength(32);
  });
});
