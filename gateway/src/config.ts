import { LOCAL_INTERNAL_SECRET, LOCAL_JWT_SECRET } from '@crm/auth';
import { parseConfig } from '@crm/service-kit';
import { z } from 'zod';
import { subgraphs, subgraphUrlVariable } from './subgraphs';

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const production = env.NODE_ENV === 'production';
  const secret = (localDefault: string) =>
    production ? z.string().min(32, 'must be set to at least 32 characters in production') : z.string().min(16).default(localDefault);
  const schema = z
    .object({
      NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
      PORT: z.coerce.number().int().min(0).max(65535).default(4000),
      HOST: z.string().default('127.0.0.1'),
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Users' tokens: HS256 with this secret locally, or the identity provider's JWKS in production. */
      JWT_SECRET: production ? z.string().min(32).optional() : secret(LOCAL_JWT_SECRET),
      JWKS_URL: z.url().optional(),
      JWT_ISSUER: z.string().optional(),
      JWT_AUDIENCE: z.string().optional(),
      INTERNAL_SECRET: secret(LOCAL_INTERNAL_SECRET),
      SUPERGRAPH_PATH: z.string().optional(),
      ...Object.fromEntries(subgraphs.map(({ name }) => [subgraphUrlVariable(name), z.url().optional()])),
    })
    .refine((config) => config.JWT_SECRET || config.JWKS_URL, { message: 'set JWKS_URL or JWT_SECRET', path: ['JWKS_URL'] });
  return parseConfig(schema, env) as z.infer<typeof schema> & Record<string, string | undefined>;
}

export type GatewayConfig = ReturnType<typeof loadConfig>;
