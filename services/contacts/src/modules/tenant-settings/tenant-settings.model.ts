import { outboxPlugin, type HasOutbox } from '@crm/messaging';
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
}

const schema = new Schema<TenantSettingsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    defaultCountry: { type: String, default: null },
    requiredCompanyFields: { type: [String], default: null },
    requiredVersion: { type: Number, default: 0 },
    recomputePending: { type: Boolean, default: false },
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
  const stored = await TenantSettingsModel.findOne({ _id: tenantId }).lean<TenantSettingsDoc>().exec();
  return stored ?? { _id: tenantId, tenantId, defaultCountry: null, requiredCompanyFields: null, requiredVersion: 0, recompute: null, outbox: [] };
}

/** The tenant's stored settings, created with the defaults (and no event) when absent: what a change is made against. */
export async function storedSettingsOf(tenantId: string): Promise<TenantSettingsDoc> {
  const settings = await TenantSettingsModel.findOneAndUpdate({ _id: tenantId }, { $setOnInsert: { tenantId } }, { upsert: true, returnDocument: 'after' }).lean<TenantSettingsDoc>().exec();
  return settings!;
}

/** How often a settings change is tried again when another change got in between. */
export const SETTINGS_ATTEMPTS = 5;
