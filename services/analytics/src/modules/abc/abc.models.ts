import { outboxPlugin } from '@crm/messaging';
import { model, Schema } from 'mongoose';
import type { AbcClass } from './abc.math';

/** A tenant's thresholds (setAbcThresholds); absent: the defaults 0.8 and 0.95. `_id` = tenant. */
export interface AbcSettingsDoc {
  _id: string;
  tenantId: string;
  a: number;
  b: number;
  updatedAt: Date;
}

const settingsSchema = new Schema<AbcSettingsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    a: { type: Number, required: true },
    b: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'abc_settings' },
);
export const AbcSettingsModel = model<AbcSettingsDoc>('AbcSettings', settingsSchema);

/** The latest stored analysis of a tenant (runAbcAnalysis, nightly): what capacity plans count by default. `_id` = tenant. */
export interface AbcAnalysisDoc {
  _id: string;
  tenantId: string;
  from: Date;
  to: Date;
  basis: 'WON_DEALS' | 'PAYMENTS';
  a: number;
  b: number;
  counts: Record<AbcClass, number>;
  total: number;
  currency: string;
  computedAt: Date;
}

const analysisSchema = new Schema<AbcAnalysisDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    from: { type: Date, required: true },
    to: { type: Date, required: true },
    basis: { type: String, required: true },
    a: { type: Number, required: true },
    b: { type: Number, required: true },
    counts: { A: Number, B: Number, C: Number },
    total: { type: Number, required: true },
    currency: { type: String, required: true },
    computedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'abc_analyses' },
);
export const AbcAnalysisModel = model<AbcAnalysisDoc>('AbcAnalysis', analysisSchema);

/**
 * The class a stored analysis gave each company, with the CompanyAbcClassChanged it publishes
 * in its outbox when the class changes. `_id` = `<tenant>:<company>`.
 */
export interface AbcClassDoc {
  _id: string;
  tenantId: string;
  companyId: string;
  abcClass: AbcClass;
  revenue: number;
  computedAt: Date;
}

export const abcClassId = (tenantId: string, companyId: string) => `${tenantId}:${companyId}`;

const classSchema = new Schema<AbcClassDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    companyId: { type: String, required: true },
    abcClass: { type: String, required: true },
    revenue: { type: Number, required: true },
    computedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'abc_classes' },
);
classSchema.plugin(outboxPlugin);
// A run reads the tenant's A and B companies: one that lost its revenue becomes C.
classSchema.index({ tenantId: 1, abcClass: 1 });
export const AbcClassModel = model<AbcClassDoc>('AbcClass', classSchema);

/**
 * A company's potential (sales per year, set by people) as the contacts service published it:
 * shown beside its revenue in ABC rows. `_id` = company id; names come from company_facts.
 */
export interface CompanyPotentialDoc {
  _id: string;
  tenantId: string;
  potential: { amount: number; currency: string } | null;
  /** Ordering guard: an older event changes nothing. */
  lastEventAt: Date;
}

const potentialSchema = new Schema<CompanyPotentialDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    potential: { type: new Schema({ amount: Number, currency: String }, { _id: false }), default: null },
    lastEventAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'company_potentials' },
);
// No secondary index: events and rows reach it by _id.
export const CompanyPotentialModel = model<CompanyPotentialDoc>('CompanyPotential', potentialSchema);

/**
 * Tenants analytics has seen revenue of, for the nightly run, and the claim of each night's run:
 * `runs.<day>` set once by whichever instance gets there first.
 */
export interface AbcTenantDoc {
  _id: string;
  tenantId: string;
  /** Every tenant document holds `all: true`: the nightly run lists them by this indexed equality. */
  all: true;
  lastNightlyDay: string | null;
  lastNightlyBy?: string | null;
}

const tenantSchema = new Schema<AbcTenantDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    all: { type: Boolean, default: true },
    lastNightlyDay: { type: String, default: null },
    lastNightlyBy: { type: String, default: null },
  },
  { versionKey: false, collection: 'abc_tenants' },
);
// The nightly run serves every tenant: the one index not led by tenantId, an equality on a constant.
tenantSchema.index({ all: 1 });
export const AbcTenantModel = model<AbcTenantDoc>('AbcTenant', tenantSchema);
