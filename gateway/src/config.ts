import { isLocalDevRun, LOCAL_INTERNAL_SECRET, LOCAL_JWT_SECRET, parseDurationSeconds, secretSetting } from '@crm/auth';
import { nodeEnvSetting, parseConfig } from '@crm/service-kit';
import { z } from 'zod';
import type { OperationLimits } from './operation-limits';
import { subgraphs, subgraphUrlVariable } from './subgraphs';

const limit = (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue);

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const local = isLocalDevRun(env);
  const jwtSecret = secretSetting('JWT_SECRET', LOCAL_JWT_SECRET, env, 'or JWKS_URL');
  const schema = z.object({
    NODE_ENV: nodeEnvSetting(env),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Users' tokens: HS256 with this secret (the local one in a local run), or the identity provider's JWKS. */
    JWT_SECRET: local || !env.JWKS_URL ? jwtSecret : jwtSecret.optional(),
    JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    /** Longest lifetime (iat to exp) of a user token: "24h", "90m", "3600"... Tokens without exp are refused. */
    JWT_MAX_TOKEN_LIFETIME: z
      .string()
      .default('24h')
      .transform((value, ctx) => {
        const seconds = parseDurationSeconds(value);
        if (!seconds) ctx.addIssue({ code: 'custom', message: 'a positive duration such as 24h, 90m or 3600 (seconds)' });
        return seconds ?? 0;
      }),
    INTERNAL_SECRET: secretSetting('INTERNAL_SECRET', LOCAL_INTERNAL_SECRET, env),
    SUPERGRAPH_PATH: z.string().optional(),
    // Abuse limits (docs/architecture.md, "Limits"): an operation over one is refused with QUERY_TOO_COMPLEX.
    MAX_QUERY_DEPTH: limit(10),
    MAX_QUERY_ALIASES: limit(100),
    MAX_QUERY_TOKENS: limit(5_000),
    MAX_QUERY_DIRECTIVES: limit(50),
    MAX_QUERY_COST: limit(100_000),
    MAX_MUTATIONS_PER_REQUEST: limit(10),
    /** Largest request body (JSON: the document and its variables). */
    MAX_BODY_BYTES: limit(256 * 1024),
    /** Largest file POST /uploads passes on to the contacts service: 413 beyond. */
    UPLOAD_MAX_BYTES: limit(50 * 1024 * 1024),
    /** A subgraph that has not answered by then fails its part of the answer with SUBGRAPH_TIMEOUT. */
    SUBGRAPH_TIMEOUT_MS: limit(10_000),
    /**
     * A file passed through (POST /uploads, GET /downloads/:id) on which nothing moves, either way,
     * for this long: the client's connection and the contacts request are closed.
     */
    FILE_IDLE_TIMEOUT_MS: limit(30_000),
    ...Object.fromEntries(subgraphs.map(({ name }) => [subgraphUrlVariable(name), z.url().optional()])),
  });
  return parseConfig(schema, env) as z.infer<typeof schema> & Record<string, string | undefined>;
}

export type GatewayConfig = ReturnType<typeof loadConfig>;

export const operationLimitsOf = (config: GatewayConfig): OperationLimits => ({
  maxDepth: config.MAX_QUERY_DEPTH,
  maxAliases: config.MAX_QUERY_ALIASES,
  maxTokens: config.MAX_QUERY_TOKENS,
  maxDirectives: config.MAX_QUERY_DIRECTIVES,
  maxCost: config.MAX_QUERY_COST,
  maxMutations: config.MAX_MUTATIONS_PER_REQUEST,
});
