import type { Envelope } from '@crm/events';
import { insertOnceWithEvents, outboxPlugin, updateWithEvents, type HasOutbox } from '@crm/messaging';
import { conflict } from '@crm/service-kit';
import { model, Schema } from 'mongoose';

/** Where the recomputation of every company's completeness stands after the required set changed. */
export interface RecomputeState {
  /** The `requiredVersion` it recomputes for; a newer version supersedes it. */
  version: number;
  status: 'RUNNING' | 'DONE';
  /** The last company id done (companies are walked in id order): where a resumed run goes on. */
  afterId?: string | null;
  processed: number;
  changed: number;
  /** Who changed the required set: the actor of the completeness events it publishes. */
  actorId?: string | null;
  /** A run holds this lease while it works; an expired lease is a crashed run, taken over by the next. */
  leaseUntil: Date;
  startedAt: Date;
  finishedAt?: Date | null;
}

/**
 * One document per tenant (`_id` = tenant id): the contacts settings a tenant's admins choose.
 * Absent until the first setting is made: every reader falls back to the defaults.
 */
export interface TenantSettingsDoc extends HasOutbox {
  _id: string;
  tenantId: string;
  /** ISO 3166-1 alpha-2: national phone numbers are read in this country. */
  defaultCountry?: string | null;
  /** The company fields the tenant requires (API names); null = the default set (completeness/required-fields.ts). */
  requiredCompanyFields?: string[] | null;
  /** Incremented on every change of the required set; a company's completeness records the version it was computed for. */
  requiredVersion: number;
  recompute?: RecomputeState | null;
  /** True while `recompute` runs: the indexed mark start-up finds interrupted runs by. */
  recomputePending?: boolean;
  /** Incremented after every change of the tenant's custom field definitions: what cached definitions are checked against. */
  definitionsVersion?: number;
}

const schema = new Schema<TenantSettingsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    defaultCountry: { type: String, default: null },
    requiredCompanyFields: { type: [String], default: null },
    requiredVersion: { type: Number, default: 0 },
    recomputePending: { type: Boolean, default: false },
    definitionsVersion: { type: Number, default: 0 },
    recompute: {
      type: new Schema<RecomputeState>(
        {
          version: Number,
          status: String,
          afterId: String,
          processed: Number,
          changed: Number,
          actorId: String,
          leaseUntil: Date,
          startedAt: Date,
          finishedAt: Date,
        },
        { _id: false },
      ),
      default: null,
    },
  },
  { timestamps: true, versionKey: false, collection: 'tenant_settings' },
);

// Start-up finds the recomputations a stopped process left running: an equality on this top-level
// flag across tenants (like the outbox mark; the local store serves no index on nested paths).
schema.index({ recomputePending: 1 });
// Changes of the settings are published from here (DefaultCountryChanged, RequiredFieldsChanged).
schema.plugin(outboxPlugin);

export const TenantSettingsModel = model<TenantSettingsDoc>('TenantSettings', schema);

/** A tenant's settings, or the defaults (nothing stored yet). */
export async function settingsOf(tenantId: string): Promise<TenantSettingsDoc> {
  return (await storedSettings(tenantId)) ?? defaultSettings(tenantId);
}

const defaultSettings = (tenantId: string): TenantSettingsDoc => ({ _id: tenantId, tenantId, defaultCountry: null, requiredCompanyFields: null, requiredVersion: 0, recompute: null, definitionsVersion: 0, outbox: [] });

const storedSettings = (tenantId: string) => TenantSettingsModel.findOne({ _id: tenantId }).lean<TenantSettingsDoc>().exec();

/** How often a settings change is tried again when another change got in between. */
const SETTINGS_ATTEMPTS = 5;

/** A change of the settings read: the fields it read (the write's condition), the fields it sets, and its event. */
export interface SettingsChange {
  read: Partial<Pick<TenantSettingsDoc, 'defaultCountry' | 'requiredVersion'>>;
  set: Partial<TenantSettingsDoc>;
  event: Envelope;
}

/**
 * Changes a tenant's settings against the ones read (the defaults when none are stored): `change`
 * answers what to write, or null when nothing changes. The write is conditional on what was read,
 * so a change made in between is tried again, never lost; the first change inserts the document,
 * so a refused change leaves nothing behind.
 */
export async function changeSettings(tenantId: string, change: (current: TenantSettingsDoc) => SettingsChange | null, conflictMessage: string): Promise<TenantSettingsDoc> {
  for (let attempt = 0; attempt < SETTINGS_ATTEMPTS; attempt++) {
    const stored = await storedSettings(tenantId);
    const current = stored ?? defaultSettings(tenantId);
    const decided = change(current);
    if (!decided) return current;
    if (!stored) {
      // Refused as a duplicate when another change created the settings meanwhile: read them again.
      if (await insertOnceWithEvents(TenantSettingsModel, { _id: tenantId, tenantId, ...decided.set }, decided.event)) return (await storedSettings(tenantId))!;
      continue;
    }
    const written = await updateWithEvents(TenantSettingsModel, { _id: tenantId, ...decided.read }, { $set: decided.set }, decided.event);
    if (written) return written as TenantSettingsDoc;
  }
  throw conflict(conflictMessage, {});
}

/**
 * Marks a change of the tenant's custom field definitions, once it is written: every instance's
 * cached definitions (write-rules.ts) are then read again. Creates the settings (defaults) when
 * none are stored yet.
 */
export async function bumpDefinitionsVersion(tenantId: string): Promise<void> {
  for (let attempt = 0; attempt < SETTINGS_ATTEMPTS; attempt++) {
    const { matchedCount } = await TenantSettingsModel.updateOne({ _id: tenantId }, { $inc: { definitionsVersion: 1 } });
    if (matchedCount === 1) return;
    if (await insertOnceWithEvents(TenantSettingsModel, { ...defaultSettings(tenantId), definitionsVersion: 1 })) return;
  }
  throw conflict('the tenant settings are being changed by others at the same time; try again', {});
}
