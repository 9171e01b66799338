import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { model, Schema, type Types } from 'mongoose';

/**
 * A webhook key of a tenant for one channel. The secret is given once and only its SHA-256 is
 * kept (a 32-byte random secret needs no slow hash). The key as sent, `lk_<tenant>.<id>.<secret>`,
 * names its tenant so that the gateway can address the tenant before anything is looked up;
 * contacts then checks the secret against the hash stored in that tenant.
 */
export interface LeadApiKeyDoc {
  _id: Types.ObjectId;
  tenantId: string;
  channel: string;
  name: string;
  secretHash: string;
  createdBy: string;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<LeadApiKeyDoc>(
  {
    tenantId: { type: String, required: true },
    channel: { type: String, required: true },
    name: { type: String, required: true },
    secretHash: { type: String, required: true },
    createdBy: { type: String, required: true },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'lead_api_keys' },
);
schema.index({ tenantId: 1, _id: -1 });

export const LeadApiKeyModel = model<LeadApiKeyDoc>('LeadApiKey', schema);

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function newSecret(): { secret: string; secretHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, secretHash: hashOf(secret) };
}

/** The key as a caller sends it. */
export const formatKey = (tenantId: string, id: string, secret: string) => `lk_${Buffer.from(tenantId).toString('base64url')}.${id}.${secret}`;

export interface ParsedKey {
  tenantId: string;
  keyId: string;
  secret: string;
}

export function parseKey(key: string): ParsedKey | null {
  const match = /^lk_([A-Za-z0-9_-]{1,200})\.([0-9a-f]{24})\.([A-Za-z0-9_-]{43})$/.exec(key);
  if (!match) return null;
  const tenantId = Buffer.from(match[1]!, 'base64url').toString('utf8');
  return tenantId ? { tenantId, keyId: match[2]!, secret: match[3]! } : null;
}

/** Whether `secret` is the key's (constant time). */
export function secretMatches(doc: Pick<LeadApiKeyDoc, 'secretHash'>, secret: string): boolean {
  const given = Buffer.from(hashOf(secret), 'hex');
  const stored = Buffer.from(doc.secretHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
