import type { BaseContext } from '@crm/service-kit';
import { createEvent, eventMeta, RequiredFieldsChanged } from '@crm/events';
import { badInput } from '@crm/service-kit';
import type { Logger } from 'pino';
import { CompanyModel, type CompanyDoc } from '../company/company.model';
import { changeCompany } from '../company/company.write';
import { definitionsOf } from '../custom-field/custom-field.model';
import { changeSettings, settingsOf, TenantSettingsModel, type TenantSettingsDoc } from '../tenant-settings/tenant-settings.model';
import { COMPANY_FIELDS, DEFAULT_REQUIRED_COMPANY_FIELDS, MAX_REQUIRED_FIELDS, sameCompleteness } from './required-fields';

/** Companies recomputed per step; the lease a run holds, renewed at every step. */
export const RECOMPUTE_BATCH = 100;
const LEASE_MS = 60_000;
/** At most this many interrupted recomputations are resumed at start-up (the rest on their tenant's next read). */
const RESUME_AT_START = 1000;

export const requiredFieldsOf = async (tenantId: string) => (await settingsOf(tenantId)).requiredCompanyFields ?? DEFAULT_REQUIRED_COMPANY_FIELDS;

/** Refuses names that are neither a company field nor one of the tenant's (unarchived) company custom fields. */
export async function checkRequiredFields(tenantId: string, fields: string[]): Promise<string[]> {
  if (fields.length > MAX_REQUIRED_FIELDS) throw badInput(`at most ${MAX_REQUIRED_FIELDS} required fields`, 'fields');
  const custom = new Set((await definitionsOf(tenantId, 'COMPANY')).filter((definition) => !definition.archived).map((definition) => `customFields.${definition.key}`));
  const known = new Set<string>([...COMPANY_FIELDS, ...custom]);
  fields.forEach((field, i) => {
    if (!known.has(field)) throw badInput(`${field} is not a company field nor a company custom field of this tenant`, `fields.${i}`);
  });
  return [...new Set(fields)];
}

/**
 * Refuses, before anything is written, to make `field` required when the tenant's required set is
 * full: a custom field's definition must not be stored when the answer is an error.
 */
export async function checkRoomForRequired(tenantId: string, field: string): Promise<void> {
  const current = await requiredFieldsOf(tenantId);
  if (!current.includes(field) && current.length >= MAX_REQUIRED_FIELDS) throw badInput(`at most ${MAX_REQUIRED_FIELDS} required fields`, 'required');
}

/**
 * Sets the tenant's required company fields (`change` gets the current set) and recomputes every
 * company's completeness in the background: the settings record the new version and where the
 * recomputation stands, so a stopped run is resumed, and each company is written at most once
 * per version (conditional writes: idempotent, and no concurrent edit is lost).
 */
export async function changeRequiredFields(ctx: Pick<BaseContext, 'tenantId' | 'userId' | 'logger' | 'correlationId'>, change: (fields: string[]) => string[]): Promise<TenantSettingsDoc> {
  const current = await requiredFieldsOf(ctx.tenantId);
  const fields = await checkRequiredFields(ctx.tenantId, change(current));
  // The same set (in the same order: it orders `missing`), for instance a field that was not required archived or
  // set not required: nothing to write. A new version would publish RequiredFieldsChanged, recompute every
  // company for nothing, and turn a tenant's default set into an explicit one.
  if (fields.length === current.length && fields.every((field, i) => field === current[i])) return settingsOf(ctx.tenantId);
  const now = new Date();
  const settings = await publishRequiredFields(ctx, fields);
  const started = await TenantSettingsModel.findOneAndUpdate(
    { _id: ctx.tenantId, requiredVersion: settings!.requiredVersion },
    { $set: { recomputePending: true, recompute: { version: settings!.requiredVersion, status: 'RUNNING', afterId: null, processed: 0, changed: 0, actorId: ctx.userId, leaseUntil: new Date(0), startedAt: now, finishedAt: null } } },
    { returnDocument: 'after' },
  ).lean<TenantSettingsDoc>();
  void runRecompute(ctx.tenantId, ctx.logger);
  return started ?? settings!;
}

/** Stores the required set under the next version with its RequiredFieldsChanged, conditional on the version read. */
function publishRequiredFields(ctx: Pick<BaseContext, 'tenantId' | 'userId' | 'correlationId'>, fields: string[]): Promise<TenantSettingsDoc> {
  return changeSettings(
    ctx.tenantId,
    ({ requiredVersion }) => ({
      read: { requiredVersion },
      set: { requiredCompanyFields: fields, requiredVersion: requiredVersion + 1 },
      event: createEvent(RequiredFieldsChanged, eventMeta(ctx, ctx.tenantId), { fields, requiredVersion: requiredVersion + 1 }),
    }),
    'the required fields were changed meanwhile; try again',
  );
}

/**
 * Recomputes the tenant's companies after the last one done, a batch at a time, while it holds the
 * lease and its version is the latest. Resolves when done, superseded, or another run holds the lease.
 */
export async function runRecompute(tenantId: string, logger: Logger): Promise<void> {
  try {
    const leased = await TenantSettingsModel.findOneAndUpdate(
      { _id: tenantId, 'recompute.status': 'RUNNING', 'recompute.leaseUntil': { $lt: new Date() } },
      { $set: { 'recompute.leaseUntil': new Date(Date.now() + LEASE_MS) } },
      { returnDocument: 'after' },
    ).lean<TenantSettingsDoc>();
    if (!leased?.recompute) return;
    const { version, actorId } = leased.recompute;
    let afterId = leased.recompute.afterId ?? null;
    const cause = { tenantId, userId: actorId ?? undefined, correlationId: `completeness-recompute-${tenantId}-${version}` };
    for (;;) {
      const batch = await CompanyModel.find({ tenantId, ...(afterId && { _id: { $gt: afterId } }) }, { completeness: 1, completenessVersion: 1 })
        .sort({ _id: 1 })
        .limit(RECOMPUTE_BATCH)
        .lean<Pick<CompanyDoc, '_id' | 'completeness' | 'completenessVersion'>[]>()
        .exec();
      let changed = 0;
      for (const company of batch) {
        if (company.completenessVersion === version) continue; // done before a restart, or written since with this set
        const written = await changeCompany(cause, company._id.toString(), (same) => same);
        if (written && !sameCompleteness(company.completeness, written.completeness)) changed += 1;
      }
      afterId = batch.at(-1)?._id.toString() ?? afterId;
      const done = batch.length < RECOMPUTE_BATCH;
      const progressed = await TenantSettingsModel.findOneAndUpdate(
        { _id: tenantId, 'recompute.version': version },
        {
          $set: { 'recompute.afterId': afterId, 'recompute.leaseUntil': new Date(Date.now() + LEASE_MS), ...(done && { recomputePending: false, 'recompute.status': 'DONE', 'recompute.finishedAt': new Date() }) },
          $inc: { 'recompute.processed': batch.length, 'recompute.changed': changed },
        },
      ).lean();
      if (!progressed || done) return; // superseded by a newer required set (its own run goes on), or finished
    }
  } catch (error) {
    // The lease expires and the next read of the tenant's required fields (or a restart) resumes it.
    logger.error({ err: error, tenantId }, 'completeness recomputation failed; it resumes later');
  }
}

/** Resumes a run whose lease expired (its process stopped): called on reads of the required fields. */
export function resumeIfStalled(settings: TenantSettingsDoc, logger: Logger): void {
  if (settings.recompute?.status === 'RUNNING' && new Date(settings.recompute.leaseUntil).getTime() < Date.now()) void runRecompute(settings._id, logger);
}

/** At start-up: the runs a stopped process left behind. */
export async function resumeRecomputes(logger: Logger): Promise<void> {
  const running = await TenantSettingsModel.find({ recomputePending: true }).limit(RESUME_AT_START).lean<TenantSettingsDoc[]>().exec();
  for (const settings of running) resumeIfStalled(settings, logger);
}
