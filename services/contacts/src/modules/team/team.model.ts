import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import type { Connection } from '@crm/service-kit';
import { model, Schema, type Types } from 'mongoose';

/**
 * A sales team: its lead (a head of sales), members, and what it serves (territories,
 * industries, key-client companies). Routing picks a member of a team; row scopes TEAM cover
 * the records of its members. A removed team stays as a tombstone (`deleted`) so that its
 * TeamChanged leaves through its own outbox.
 */
export interface TeamDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  name: string;
  leadId: string | null;
  memberIds: string[];
  territoryIds: string[];
  industries: string[];
  keyCompanyIds: string[];
  /** Raised by every change (TeamChanged carries it; conditional updates compare it). */
  revision: number;
  deleted: boolean;
  /**
   * The users' `teamIds` still to be moved after the team's write (modules/team/README.md):
   * true from a membership change until every joining member has the team and every leaving
   * one has lost it. Start-up resumes the teams left marked.
   */
  membersPending: boolean;
  joiningMemberIds: string[];
  leavingMemberIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<TeamDoc>(
  {
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    leadId: { type: String, default: null },
    memberIds: { type: [String], default: [] },
    territoryIds: { type: [String], default: [] },
    industries: { type: [String], default: [] },
    keyCompanyIds: { type: [String], default: [] },
    revision: { type: Number, default: 0 },
    deleted: { type: Boolean, default: false },
    membersPending: { type: Boolean, default: false },
    joiningMemberIds: { type: [String], default: [] },
    leavingMemberIds: { type: [String], default: [] },
  },
  { timestamps: true, versionKey: false, collection: 'teams', minimize: false },
);
schema.index({ tenantId: 1, name: 1 });
schema.index({ tenantId: 1, memberIds: 1 });
schema.index({ tenantId: 1, leadId: 1 });
// Start-up finds the teams whose members' moves a crash interrupted: like the outbox mark, the one
// index here not led by tenantId (it serves every tenant at once, and holds a flag only).
schema.index({ membersPending: 1 });
schema.plugin(outboxPlugin);

export const TeamModel = model<TeamDoc>('Team', schema);

export type TeamConnectionView = Connection<TeamDoc>;
