import type { BaseContext } from '@crm/service-kit';
import type { Express, Request } from 'express';
import { routeError, signedInRoute } from '../http/signed-in-route';
import { LeadApiKeyModel, parseKey, secretMatches, type LeadApiKeyDoc } from './lead-api-key.model';
import { takeInLead } from './lead.write';

/** A webhook body larger than this is refused (413); the raw payload a lead keeps is bounded again (16 KB). */
export const WEBHOOK_MAX_BYTES = 64 * 1024;
export const API_KEY_HEADER = 'x-api-key';

/** The body as JSON, read up to WEBHOOK_MAX_BYTES (beyond: PAYLOAD_TOO_LARGE); undefined when it is not JSON. */
async function jsonBody(req: Request): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > WEBHOOK_MAX_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The key, checked in the tenant the gateway signed for: unknown, revoked, another tenant's or a wrong secret is null. */
async function keyOf(req: Request, tenantId: string): Promise<LeadApiKeyDoc | null> {
  const header = req.headers[API_KEY_HEADER];
  const parsed = typeof header === 'string' ? parseKey(header) : null;
  if (!parsed || parsed.tenantId !== tenantId) return null;
  const key = await LeadApiKeyModel.findOne({ _id: parsed.keyId, tenantId }).lean<LeadApiKeyDoc>().exec();
  return key && !key.revokedAt && secretMatches(key, parsed.secret) ? key : null;
}

const tooLarge = () => routeError('PAYLOAD_TOO_LARGE', `the body is larger than ${WEBHOOK_MAX_BYTES} bytes`);

/**
 * POST /webhooks/leads: forwarded by the gateway's webhook with a signed identity for the tenant
 * its API key names, and the key itself. The key's channel is the lead's source. Answers 201
 * `{ leadId, status }` for a new lead, 200 for a repeated external id, 401/400/413 as JSON errors.
 */
export function leadWebhookRoutes() {
  return (app: Express, identify: (req: Request) => Promise<BaseContext>) => {
    app.post(
      '/webhooks/leads',
      signedInRoute(identify, async (ctx, req, res) => {
        const key = await keyOf(req, ctx.tenantId);
        if (!key) throw routeError('UNAUTHENTICATED', 'missing, unknown or revoked API key');
        if (Number(req.headers['content-length']) > WEBHOOK_MAX_BYTES) throw tooLarge();
        const body = await jsonBody(req);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw routeError('BAD_USER_INPUT', 'the body must be a JSON object');
        const { raw, ...fields } = body as Record<string, unknown>;
        const { lead, created } = await takeInLead(ctx, { ...fields, raw: raw ?? body, source: key.channel }, `webhook:${key._id.toString()}`);
        res.status(created ? 201 : 200).json({ leadId: lead._id.toString(), status: lead.status, created });
      }),
    );
  };
}
