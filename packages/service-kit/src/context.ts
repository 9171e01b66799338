import type { Identity } from '@crm/auth';
import type { Logger } from 'pino';

/** What every resolver gets: who calls, for which tenant, and how to trace it. */
export interface BaseContext {
  identity: Identity;
  tenantId: string;
  userId: string;
  correlationId: string;
  logger: Logger;
}
