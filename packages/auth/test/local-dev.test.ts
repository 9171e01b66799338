import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LOCAL_INTERNAL_SECRET, LOCAL_JWT_SECRET, LOCAL_KAFKA_SASL, localDevFlagProblem, secretSetting, secretWeakness } from '../src';

const strong = 'b3f1c9a07e5d4c2a9f8e7d6c5b4a3928';

describe('secret strength', () => {
  it('refuses the well-known local secrets, short, and repetitive ones', () => {
    for (const local of [LOCAL_JWT_SECRET, LOCAL_INTERNAL_SECRET, LOCAL_KAFKA_SASL.password]) expect(secretWeakness(local)).toMatch(/well-known local development secret/);
    expect(secretWeakness('0123456789abcdef')).toMatch(/at least 32 characters/);
    expect(secretWeakness('x'.repeat(40))).toMatch(/repetitive/);
    expect(secretWeakness('abababababababababababababababababab')).toMatch(/repetitive/);
    expect(secretWeakness('0123456789abcdef'.repeat(3))).toMatch(/short pattern repeated/);
    expect(secretWeakness(strong)).toBeUndefined();
  });
});

describe('secret settings', () => {
  const parse = (env: NodeJS.ProcessEnv, value: string | undefined) => secretSetting('INTERNAL_SECRET', LOCAL_INTERNAL_SECRET, env).safeParse(value);

  it('defaults to the local secret only in an explicitly local run', () => {
    expect(parse({ CRM_LOCAL_DEV: '1' }, undefined)).toMatchObject({ success: true, data: LOCAL_INTERNAL_SECRET });
    for (const NODE_ENV of [undefined, 'development', 'test', 'production']) {
      const result = parse({ NODE_ENV }, undefined);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/INTERNAL_SECRET must be set .*CRM_LOCAL_DEV=1/);
    }
  });

  it('outside a local run refuses the development constant and weak values, whatever NODE_ENV is', () => {
    for (const NODE_ENV of ['development', 'production']) {
      expect(parse({ NODE_ENV }, LOCAL_INTERNAL_SECRET).error?.issues[0]?.message).toMatch(/well-known/);
      expect(parse({ NODE_ENV }, 'short-secret').error?.issues[0]?.message).toMatch(/32 characters/);
      expect(parse({ NODE_ENV }, strong)).toMatchObject({ success: true, data: strong });
    }
  });

  it('does not let the local flag ride along with production', () => {
    expect(localDevFlagProblem({ CRM_LOCAL_DEV: '1', NODE_ENV: 'production' })).toMatch(/cannot be combined with NODE_ENV=production/);
    expect(localDevFlagProblem({ CRM_LOCAL_DEV: '1', NODE_ENV: 'test' })).toBeUndefined();
    expect(localDevFlagProblem({ NODE_ENV: 'production' })).toBeUndefined();
  });
});

describe('the local broker login', () => {
  it('is the user deploy/local/infra.sh creates (versions.env)', () => {
    const versions = readFileSync(resolve(__dirname, '../../../deploy/local/versions.env'), 'utf8');
    const value = (name: string) => versions.match(new RegExp(`^${name}=(\\S+)`, 'm'))?.[1];
    expect({ username: value('LOCAL_KAFKA_SASL_USER'), password: value('LOCAL_KAFKA_SASL_PASSWORD') }).toEqual({
      username: LOCAL_KAFKA_SASL.username,
      password: LOCAL_KAFKA_SASL.password,
    });
    expect(LOCAL_KAFKA_SASL.mechanism).toBe('scram-sha-512');
    const template = readFileSync(resolve(__dirname, '../../../deploy/local/kafka/server.properties.template'), 'utf8');
    expect(template).toMatch(/^sasl\.enabled\.mechanisms=SCRAM-SHA-512$/m);
  });
});

