import { randomUUID } from 'node:crypto';
import type { Identity } from '@crm/auth';
import { unauthenticated } from '@crm/service-kit';
import type { Request } from 'express';

export interface GatewayContext {
  identity: Identity;
  correlationId: string;
}

/** No token or a bad one: UNAUTHENTICATED before anything reaches a subgraph. */
export async function buildContext(req: Request, verify: (token: string) => Promise<Identity>): Promise<GatewayContext> {
  const header = req.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw unauthenticated('send Authorization: Bearer <token>');
  const identity = await verify(match[1]).catch((error: Error) => {
    throw unauthenticated(error.message);
  });
  const incoming = req.headers['x-correlation-id'];
  return { identity, correlationId: typeof incoming === 'string' && incoming.length <= 128 ? incoming : randomUUID() };
}
