import pino, { type Logger } from 'pino';

export type { Logger };

const REDACTED = '[redacted]';

/**
 * Fields that hold personal data or credentials, wherever a log call puts them (top level or one
 * object down): logs carry no email, phone or token (docs/deployment.md, "Logs").
 */
const sensitiveKeys = ['email', 'phone', 'token', 'password', 'authorization', 'cookie', 'variables', 'input', 'payload', '"x-crm-identity"'];
const redactPaths = [
  ...sensitiveKeys.flatMap((key) => [key, `*.${key}`]),
  'req.headers.authorization',
  'req.headers["x-crm-identity"]',
  'req.headers.cookie',
];

/** Error fields in which the store driver or a client library echoes document values. */
const valueBearingErrorFields = new Set(['keyValue', 'errorResponse', 'writeErrors', 'result', 'op', 'errInfo', 'value']);

const textPatterns: [RegExp, string][] = [
  [/Bearer\s+\S+/gi, 'Bearer [redacted]'],
  // A compact JWS: its header is base64url JSON, so it starts `eyJ` (a consumer group or host name with two dots is not one).
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}/g, '[redacted jwt]'],
  [/[^\s"'<>(),;:@/]+@[^\s"'<>(),;:@/]+\.[A-Za-z]{2,}/g, '[redacted email]'],
  [/\+\d[\d\s().-]{6,}\d/g, '[redacted phone]'],
  [/dup key: \{.*?\}/g, 'dup key: { [redacted] }'], // MongoDB E11000 names the duplicate values
  [/for value "(?:[^"\\]|\\.)*"/g, 'for value [redacted]'], // mongoose CastError
];

/** Masks emails, phone numbers, tokens and echoed store values in free text. */
export function scrubText(text: string): string {
  return textPatterns.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}

/** A serialized error (or anything nested in it) without the fields that echo values, its texts scrubbed. */
function scrubValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  const scrubbed: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (!valueBearingErrorFields.has(key)) scrubbed[key] = scrubValue(field, depth + 1);
  return scrubbed;
}

const scrubError = (error: unknown) => scrubValue(error instanceof Error ? pino.stdSerializers.err(error) : error, 0);

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      redact: { paths: redactPaths, censor: REDACTED },
      serializers: { err: scrubError, error: scrubError },
      // Free-text fields (a message, a parking reason) may quote what a client sent or a driver echoed.
      formatters: {
        log: (object) => {
          for (const [key, value] of Object.entries(object)) if (typeof value === 'string') object[key] = scrubText(value);
          return object;
        },
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as typeof args);
        },
      },
    },
    destination,
  );
}
