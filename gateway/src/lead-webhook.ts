import { IDENTITY_HEADER, type Identity } from '@crm/auth';
import type { Express, Request } from 'express';
import type { Logger } from 'pino';
import { request } from 'undici';
import { refuseBody, sendError } from './uploads';

export interface LeadWebhookOptions {
  /** The contacts subgraph's base URL (its /graphql without the path). */
  contactsUrl: string;
  /** Contacts answers within this (SUBGRAPH_TIMEOUT_MS), headers and body. */
  timeoutMs: number;
  signIdentity: (identity: Identity) => Promise<string>;
  logger: Logger;
}

/** A lead's JSON body, larger is refused (413): contacts has the same limit. */
export const WEBHOOK_MAX_BYTES = 64 * 1024;
const API_KEY_HEADER = 'x-api-key';

/**
 * The tenant an API key names (`lk_<tenant, base64url>.<key id>.<secret>`): only to address the
 * request. Contacts checks the key's secret against the hash stored in that tenant, so a key with
 * a forged tenant is refused there like any wrong key.
 */
function tenantOfKey(key: unknown): string | null {
  if (typeof key !== 'string') return null;
  const match = /^lk_([A-Za-z0-9_-]{1,200})\.[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/.exec(key);
  return match ? Buffer.from(match[1]!, 'base64url').toString('utf8') || null : null;
}

async function bodyOf(req: Request): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > WEBHOOK_MAX_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * POST /webhooks/leads: web forms and other systems post a lead with an API key (`x-api-key`,
 * per tenant and channel, made by an admin with createLeadApiKey) instead of a user token. The
 * body is passed on to the contacts service with a signed identity for the key's tenant (user
 * `webhook`) and the key; contacts verifies the key, takes the lead in (idempotent by its
 * `externalId`) and answers 201/200 with the lead id, or 401/400 as JSON errors.
 */
export function leadWebhookRoutes(app: Express, options: LeadWebhookOptions): void {
  const tooLarge = `the body is larger than ${WEBHOOK_MAX_BYTES} bytes`;
  app.post('/webhooks/leads', async (req, res) => {
    const tenantId = tenantOfKey(req.headers[API_KEY_HEADER]);
    if (!tenantId) return refuseBody(req, res, WEBHOOK_MAX_BYTES, 401, 'UNAUTHENTICATED', `send the lead API key as ${API_KEY_HEADER}`);
    if (Number(req.headers['content-length']) > WEBHOOK_MAX_BYTES) return refuseBody(req, res, WEBHOOK_MAX_BYTES, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
    const body = await bodyOf(req).catch(() => undefined);
    if (body === undefined) return; // the caller went away
    if (body === null) return refuseBody(req, res, WEBHOOK_MAX_BYTES, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
    try {
      const identity = { tenantId, userId: 'webhook', roles: ['manager'] } as Identity;
      const upstream = await request(`${options.contactsUrl}/webhooks/leads`, {
        method: 'POST',
        headers: { [IDENTITY_HEADER]: await options.signIdentity(identity), [API_KEY_HEADER]: req.headers[API_KEY_HEADER] as string, 'content-type': 'application/json' },
        body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      res.status(upstream.statusCode).type('application/json').send(await upstream.body.text());
    } catch (error) {
      options.logger.warn({ err: error }, 'lead webhook could not be passed on');
      sendError(res, 503, 'SERVICE_UNAVAILABLE', 'the contacts service is unavailable; try again shortly');
    }
  });
}
