import { ActivityCancelled, ActivityCompleted, ActivityCreated, CompanyCreated, CompanyUpdated, createEvent, TaskOverdue, DealCreated, DealReopened, DealWon, ErpPaymentReceived, TimeNormsChanged, DEFAULT_TIME_NORMS, operationKinds, type Envelope } from '@crm/events';
import { newId } from './events';

export { waitProcessedBy } from './facts-events';

/** Test helpers: the contacts, deals, ERP and activities events analytics' revenue read models take. */

const stage = (kind: 'OPEN' | 'WON') => ({ id: newId(), name: kind === 'WON' ? 'Won' : 'Lead', position: kind === 'WON' ? 3 : 0, kind });

export const companyCreated = (tenantId: string, companyId: string, name: string, potential: { amount: number; currency: string } | null = null, ownerId = 'user-1') =>
  createEvent(CompanyCreated, { tenantId, aggregateId: companyId }, { companyId, name, domain: null, ownerId, potential });

export const potentialChanged = (tenantId: string, companyId: string, name: string, from: unknown, to: unknown) =>
  createEvent(CompanyUpdated, { tenantId, aggregateId: companyId }, { companyId, name, changes: [{ field: 'potential', from, to }] });

export interface WonDeal {
  companyId: string;
  amount: number;
  currency?: string;
  wonAt: string;
  ownerId?: string;
  teamId?: string | null;
  dealId?: string;
  /** When DealCreated happened (default: now). */
  createdAt?: Date;
}

/** A deal created and won: DealCreated then DealWon, in that order (one key). */
export function wonDeal(tenantId: string, deal: WonDeal): Envelope[] {
  const dealId = deal.dealId ?? newId();
  const common = { dealId, title: 'Deal', pipelineId: newId(), ownerId: deal.ownerId ?? 'user-1' };
  const money = { amount: deal.amount, currency: deal.currency ?? 'EUR' };
  return [
    createEvent(DealCreated, { tenantId, aggregateId: dealId, occurredAt: deal.createdAt }, { ...common, companyId: deal.companyId, stage: stage('OPEN'), ...money, status: 'OPEN', teamId: deal.teamId ?? null }),
    createEvent(DealWon, { tenantId, aggregateId: dealId }, { ...common, companyId: deal.companyId, ...money, stage: stage('WON'), closedAt: deal.wonAt, wonBy: common.ownerId }),
  ];
}

export const dealReopened = (tenantId: string, dealId: string, ownerId = 'user-1') =>
  createEvent(DealReopened, { tenantId, aggregateId: dealId }, { dealId, title: 'Deal', pipelineId: newId(), ownerId, previousStatus: 'WON', fromStage: stage('WON'), toStage: stage('OPEN'), reopenedBy: ownerId });

export const paymentReceived = (tenantId: string, companyId: string, paymentId: string, amount: number, paidAt: string, currency = 'EUR') =>
  createEvent(ErpPaymentReceived, { tenantId, aggregateId: `SO-${paymentId}` }, { paymentId, orderId: `SO-${paymentId}`, companyId, paidAt, amount, currency, method: 'BANK_TRANSFER' });

export const timeNormsChanged = (tenantId: string, changed: Partial<Record<(typeof operationKinds)[number], number>>) =>
  createEvent(TimeNormsChanged, { tenantId, aggregateId: tenantId }, { norms: operationKinds.map((operation) => ({ operation, minutes: changed[operation] ?? DEFAULT_TIME_NORMS[operation] })) });


export interface ActivitySpec {
  kind: string;
  assigneeId: string;
  teamId?: string | null;
  companyId?: string | null;
  campaignId?: string | null;
  activityId?: string;
}

/** An activity's life as the activities service publishes it: created, then each step given. */
export function activityLife(tenantId: string, spec: ActivitySpec, ...steps: ({ completedAt: string; response?: boolean } | { overdueAt: string } | 'cancelled')[]): Envelope[] {
  const activityId = spec.activityId ?? newId();
  const meta = { tenantId, aggregateId: activityId };
  const common = { activityId, kind: spec.kind, assigneeId: spec.assigneeId, companyId: spec.companyId ?? null, campaignId: spec.campaignId ?? null };
  const events: Envelope[] = [createEvent(ActivityCreated, meta, { ...common, subject: `${spec.kind} with the client`, status: 'PLANNED', dueAt: null, teamId: spec.teamId ?? null })];
  for (const step of steps) {
    if (step === 'cancelled') events.push(createEvent(ActivityCancelled, meta, { ...common, cancelledBy: spec.assigneeId, reason: null, dealId: null }));
    else if ('overdueAt' in step) events.push(createEvent(TaskOverdue, meta, { ...common, subject: 'Task', dueAt: step.overdueAt, dealId: null, teamId: spec.teamId ?? null }));
    else events.push(createEvent(ActivityCompleted, meta, { ...common, subject: 'Done', completedBy: spec.assigneeId, dealId: null, completedAt: step.completedAt, response: step.response ?? null, teamId: spec.teamId ?? null }));
  }
  return events;
}
