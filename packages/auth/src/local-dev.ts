import { z } from 'zod';

/**
 * Well-known secrets of a developer's machine. They are in git, so a service uses them only in an
 * explicitly local run: `npm start`, `npm test`, `npm run bench` and the test helpers set
 * CRM_LOCAL_DEV=1; the images, compose and Kubernetes never do (docs/deployment.md, "Secrets").
 */
export const LOCAL_DEV_FLAG = 'CRM_LOCAL_DEV';
export const LOCAL_JWT_SECRET = 'local-dev-jwt-secret-not-for-production';
export const LOCAL_INTERNAL_SECRET = 'local-dev-internal-secret-not-for-production';
/** The local broker's SCRAM user (deploy/local/infra.sh creates it when it formats the storage). */
export const LOCAL_KAFKA_SASL = { mechanism: 'scram-sha-512', username: 'crm-local', password: 'crm-local-kafka-password' } as const;

const localSecrets: readonly string[] = [LOCAL_JWT_SECRET, LOCAL_INTERNAL_SECRET, LOCAL_KAFKA_SASL.password];

export const isLocalDevRun = (env: NodeJS.ProcessEnv): boolean => env[LOCAL_DEV_FLAG] === '1';

/** Why a secret is too weak for a real deployment, or undefined when it is fine. */
export function secretWeakness(value: string): string | undefined {
  if (localSecrets.includes(value)) return 'is a well-known local development secret (it is in git)';
  if (value.length < 32) return 'must be at least 32 characters (e.g. `openssl rand -hex 32`)';
  if (new Set(value).size < 10) return 'is trivially repetitive (fewer than 10 distinct characters)';
  if (/^(.{1,16}?)\1+$/s.test(value)) return 'is trivially repetitive (a short pattern repeated)';
  return undefined;
}

/**
 * A secret setting: in a local run optional, with the local constant as default; anywhere else
 * required and strong, whatever NODE_ENV says.
 */
export function secretSetting(name: string, localDefault: string, env: NodeJS.ProcessEnv, alternative?: string) {
  if (isLocalDevRun(env)) return z.string().min(16, `${name} must be at least 16 characters`).default(localDefault);
  return z
    .string(
      `${name}${alternative ? ` ${alternative}` : ''} must be set (the local development default is used only with ${LOCAL_DEV_FLAG}=1, set by npm start and the tests)`,
    )
    .superRefine((value, ctx) => {
      const weakness = secretWeakness(value);
      if (weakness) ctx.addIssue({ code: 'custom', message: `${name} ${weakness}` });
    });
}

/** The local flag is for a developer's machine: a production process carrying it is a mistake. */
export function localDevFlagProblem(env: NodeJS.ProcessEnv): string | undefined {
  if (isLocalDevRun(env) && env.NODE_ENV === 'production')
    return `${LOCAL_DEV_FLAG}=1 (local development secrets) cannot be combined with NODE_ENV=production`;
  return undefined;
}
