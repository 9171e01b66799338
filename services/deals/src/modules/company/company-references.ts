import { createPollingWorker, notFound, type BaseContext } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { companyArrival } from './company-arrivals';
import { CompanyReferenceModel, type CompanyReferenceDoc } from './company-reference.model';
import { resolveMerged } from './known-companies';
import { KnownCompanyModel, type KnownCompanyDoc } from './known-company.model';

/**
 * Read your own writes across services: a frontend creates a company (contacts) and at once a
 * deal for it (deals), before the company's CompanyCreated reached deals. See
 * docs/architecture.md, "Read your own writes".
 */
export interface CompanyReferenceSettings {
  /** How long createDeal waits for an unknown company's event before accepting it as PENDING. */
  waitMs: number;
  /** How long a PENDING reference waits for the event before it is flagged MISSING. */
  deadlineMs: number;
  /** How often each process looks over PENDING references. */
  sweepMs: number;
}

let settings: CompanyReferenceSettings = { waitMs: 2_000, deadlineMs: 10 * 60_000, sweepMs: 15_000 };
export const configureCompanyReferences = (next: CompanyReferenceSettings) => {
  settings = next;
};

/** Clocks of the contacts service and ours may differ a little. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Whether the id could be a company created so recently that its event may still be on its way:
 * company ids are ObjectIds made by the contacts service, whose first 4 bytes are the creation
 * time. An older unknown id will not arrive (a mistake, or a deleted company): NOT_FOUND at once.
 */
function mayStillArrive(companyId: string, now = Date.now()): boolean {
  const createdAt = new Types.ObjectId(companyId).getTimestamp().getTime();
  return createdAt >= now - settings.deadlineMs && createdAt <= now + CLOCK_SKEW_MS;
}

/**
 * The company as deals knows it, in the caller's tenant only. A company id is global, so it is
 * looked up by id and its tenant compared here: an id known under another tenant is NOT_FOUND at
 * once and never waited for.
 */
async function lookUp(tenantId: string, companyId: string): Promise<KnownCompanyDoc | null> {
  const known = await KnownCompanyModel.findOne({ _id: companyId }).lean<KnownCompanyDoc>();
  if (known && known.tenantId !== tenantId) throw notFound('Company', companyId);
  return known && resolveMerged(tenantId, known);
}

export interface DealCompany {
  /** The id to store on the deal: the company's primary if it was merged. */
  companyId: string;
  verified: boolean;
}

/**
 * The company a new deal refers to. Known: VERIFIED. Unknown but recent: waits up to `waitMs`
 * (woken by the consumer, looking again every 200 ms for an event another replica stored), then
 * accepts it and records a PENDING reference for `dealId` (before the deal is written). Unknown
 * and old, or another tenant's: NOT_FOUND.
 */
export async function referCompany(ctx: BaseContext, companyId: string, dealId: Types.ObjectId): Promise<DealCompany> {
  const known = await lookUp(ctx.tenantId, companyId);
  if (known) return { companyId: known._id, verified: true };
  if (!mayStillArrive(companyId)) throw notFound('Company', companyId);
  for (const until = Date.now() + settings.waitMs; Date.now() < until; ) {
    await companyArrival(ctx.tenantId, companyId, Math.min(200, until - Date.now()));
    const arrived = await lookUp(ctx.tenantId, companyId);
    if (arrived) return { companyId: arrived._id, verified: true };
  }
  await recordPendingReference(ctx.tenantId, companyId, dealId);
  ctx.logger.info({ companyId, dealId: dealId.toString() }, 'deal accepted for a company not yet known here: reference pending');
  return { companyId, verified: false };
}

/**
 * The PENDING reference of a deal about to be stored for a company not known here yet: written
 * before the deal, so no deal is ever stored unverified without it. Once per deal: a repeated
 * call (a redelivered event whose deal was not stored) leaves it as it is.
 */
export async function recordPendingReference(tenantId: string, companyId: string, dealId: Types.ObjectId): Promise<void> {
  await CompanyReferenceModel.updateOne(
    { _id: dealId, tenantId },
    { $setOnInsert: { companyId, status: 'PENDING', deadline: new Date(Date.now() + settings.deadlineMs) } },
    { upsert: true },
  );
}

/** The company's event arrived: its deals' references are verified (a MISSING one too: late, but there). */
export async function verifyReferences(tenantId: string, companyId: string): Promise<void> {
  await CompanyReferenceModel.updateMany({ tenantId, companyId, status: { $in: ['PENDING', 'MISSING'] } }, { $set: { status: 'VERIFIED' } });
}

/**
 * One look over the PENDING references: verified when the company is known by now (an event
 * stored between a createDeal's last look and its record), flagged MISSING past the deadline.
 */
export async function sweepCompanyReferences(logger: Logger, now = new Date()): Promise<void> {
  const pending = await CompanyReferenceModel.find({ status: 'PENDING' }).limit(500).lean<CompanyReferenceDoc[]>();
  const byTenant = new Map<string, CompanyReferenceDoc[]>();
  for (const reference of pending) byTenant.set(reference.tenantId, [...(byTenant.get(reference.tenantId) ?? []), reference]);
  for (const [tenantId, references] of byTenant) {
    const ids = [...new Set(references.map((reference) => reference.companyId))];
    const known = new Set((await KnownCompanyModel.find({ tenantId, _id: { $in: ids } }, { _id: 1 }).lean<{ _id: string }[]>()).map((row) => row._id));
    for (const reference of references) {
      if (known.has(reference.companyId)) {
        await CompanyReferenceModel.updateOne({ _id: reference._id, tenantId, status: 'PENDING' }, { $set: { status: 'VERIFIED' } });
      } else if (reference.deadline <= now) {
        const flagged = await CompanyReferenceModel.updateOne({ _id: reference._id, tenantId, status: 'PENDING' }, { $set: { status: 'MISSING' } });
        if (flagged.modifiedCount === 1) {
          logger.warn({ tenantId, dealId: reference._id.toString(), companyId: reference.companyId }, 'deal flagged: its company never became known');
        }
      }
    }
  }
}

/** Sweeps every `sweepMs` until stopped; a failed sweep is logged and the next one tries again. */
export function startCompanyReferenceSweeper(logger: Logger): () => Promise<void> {
  const sweeper = createPollingWorker({ what: 'company reference sweep', logger, intervalMs: settings.sweepMs, poll: () => sweepCompanyReferences(logger), pollAtStart: false });
  sweeper.start();
  return () => sweeper.stop();
}
