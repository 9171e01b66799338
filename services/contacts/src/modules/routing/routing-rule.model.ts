import { model, Schema, type Types } from 'mongoose';
import type { RoutingMethod } from './routing.input';

/** What a rule matches on; an empty list or a null bound matches anything. */
export interface RuleMatchDoc {
  territoryIds: string[];
  /** Compared case-insensitively (stored lower-case). */
  industries: string[];
  companySizeMin: number | null;
  companySizeMax: number | null;
  /** ISO 639 codes, perhaps with a subtag, lower-case (a lead's primary subtag matches too: "de" takes "de-de"). */
  languages: string[];
  sources: string[];
}

/**
 * A tenant's routing rule: the first rule (lowest `priority`) that matches a lead picks its team,
 * and the rule's method picks the member. `slaMinutes`: the assignee must accept within it, or the
 * lead is escalated.
 */
export interface RoutingRuleDoc {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  priority: number;
  enabled: boolean;
  match: RuleMatchDoc;
  teamId: string;
  method: RoutingMethod;
  fixedUserId: string | null;
  slaMinutes: number | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<RoutingRuleDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    priority: { type: Number, required: true },
    enabled: { type: Boolean, default: true },
    match: { type: Schema.Types.Mixed, required: true },
    teamId: { type: String, required: true },
    method: { type: String, required: true },
    fixedUserId: { type: String, default: null },
    slaMinutes: { type: Number, default: null },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'routing_rules', minimize: false },
);
schema.index({ tenantId: 1, priority: 1 });

/** Rules a tenant may have (each lead is matched against all of them, in order). */
export const MAX_RULES = 200;

export const RoutingRuleModel = model<RoutingRuleDoc>('RoutingRule', schema);
