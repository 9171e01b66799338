import { model, models, Schema, type Model } from 'mongoose';
import type { Right } from './model';

/**
 * What every service keeps of the directory (crm.contacts.directory), from events only: the teams
 * (lead and members), the tenant's role overrides and whether each user is active. `_id` is
 * `tenant:key`, so an older event's upsert meets the newer document's key and changes nothing
 * (revision guarded).
 */
export interface PolicyTeamDoc {
  _id: string;
  tenantId: string;
  teamId: string;
  leadId: string | null;
  memberIds: string[];
  revision: number;
  deleted: boolean;
}

export interface PolicyRoleDoc {
  _id: string;
  tenantId: string;
  role: string;
  rights: Right[];
  deniedFields: string[];
  revision: number;
}

/** A directory user (from UserChanged): only whether they are active matters to rights (roles come with the token). */
export interface PolicyUserDoc {
  _id: string;
  tenantId: string;
  userId: string;
  active: boolean;
  revision: number;
}

const teamSchema = new Schema<PolicyTeamDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    teamId: { type: String, required: true },
    leadId: { type: String, default: null },
    memberIds: { type: [String], default: [] },
    revision: { type: Number, required: true },
    deleted: { type: Boolean, default: false },
  },
  { versionKey: false, collection: 'policy_teams', minimize: false },
);
// A user's teams: those they belong to, and those they lead.
teamSchema.index({ tenantId: 1, memberIds: 1 });
teamSchema.index({ tenantId: 1, leadId: 1 });

const roleSchema = new Schema<PolicyRoleDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    role: { type: String, required: true },
    rights: { type: [{ _id: false, object: String, action: String, scope: String }], default: [] },
    deniedFields: { type: [String], default: [] },
    revision: { type: Number, required: true },
  },
  { versionKey: false, collection: 'policy_roles', minimize: false },
);
roleSchema.index({ tenantId: 1, role: 1 });

// Read by `_id` only.
const userSchema = new Schema<PolicyUserDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
    active: { type: Boolean, required: true },
    revision: { type: Number, required: true },
  },
  { versionKey: false, collection: 'policy_users' },
);

export const PolicyTeamModel: Model<PolicyTeamDoc> = (models.PolicyTeam as Model<PolicyTeamDoc>) ?? model<PolicyTeamDoc>('PolicyTeam', teamSchema);
export const PolicyRoleModel: Model<PolicyRoleDoc> = (models.PolicyRole as Model<PolicyRoleDoc>) ?? model<PolicyRoleDoc>('PolicyRole', roleSchema);
export const PolicyUserModel: Model<PolicyUserDoc> = (models.PolicyUser as Model<PolicyUserDoc>) ?? model<PolicyUserDoc>('PolicyUser', userSchema);

export const policyKey = (tenantId: string, key: string) => `${tenantId}:${key}`;
