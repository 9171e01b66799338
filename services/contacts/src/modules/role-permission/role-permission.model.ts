import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import type { Right } from '@crm/policy';
import { model, Schema } from 'mongoose';

/**
 * A tenant's override of one role's rights (`_id` = `tenant:role`): the source of truth for
 * setRolePermissions. Each change publishes PermissionsChanged from this document's outbox;
 * every service (this one included) keeps its `policy_roles` read model from those events.
 */
export interface RolePermissionDoc extends HasOutbox {
  _id: string;
  tenantId: string;
  role: string;
  rights: Right[];
  deniedFields: string[];
  revision: number;
  updatedAt?: Date;
}

const schema = new Schema<RolePermissionDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    role: { type: String, required: true },
    rights: { type: [{ _id: false, object: String, action: String, scope: String }], default: [] },
    deniedFields: { type: [String], default: [] },
    revision: { type: Number, required: true },
  },
  { timestamps: true, versionKey: false, collection: 'role_permissions', minimize: false },
);
schema.index({ tenantId: 1, role: 1 });
schema.plugin(outboxPlugin);

export const RolePermissionModel = model<RolePermissionDoc>('RolePermission', schema);
export const rolePermissionId = (tenantId: string, role: string) => `${tenantId}:${role}`;
