import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import type { Connection } from '@crm/service-kit';
import { model, Schema, type Types } from 'mongoose';

/**
 * A person of the tenant's directory; `userId` is the subject of their sign-in token. Added
 * on the first signed-in request with the token's claims, edited by admins. Their teams are
 * kept here too (`teamIds`, moved with the team's membership) so that a list by team and
 * UserChanged need no second read.
 */
export interface UserDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  userId: string;
  name: string | null;
  email: string | null;
  /** The name (or, without one, the id) as sorted and searched: trimmed, collapsed, lower-cased. */
  nameKey: string;
  roles: string[];
  teamIds: string[];
  /** ISO 639-1 codes, lower case. */
  languages: string[];
  products: string[];
  industries: string[];
  active: boolean;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<UserDoc>(
  {
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
    name: { type: String, default: null },
    email: { type: String, default: null },
    nameKey: { type: String, default: '' },
    roles: { type: [String], default: [] },
    teamIds: { type: [String], default: [] },
    languages: { type: [String], default: [] },
    products: { type: [String], default: [] },
    industries: { type: [String], default: [] },
    active: { type: Boolean, default: true },
    revision: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false, collection: 'users', minimize: false },
);
// One person per subject in a tenant: the first sign-in adds them with an upsert on this key.
schema.index({ tenantId: 1, userId: 1 }, { unique: true });
schema.index({ tenantId: 1, teamIds: 1 });
// The directory's list, by name, and its equality filters (modules/user/README.md says what each serves).
schema.index({ tenantId: 1, nameKey: 1, _id: 1 });
schema.index({ tenantId: 1, roles: 1 });
schema.index({ tenantId: 1, languages: 1 });
schema.index({ tenantId: 1, products: 1 });
schema.index({ tenantId: 1, industries: 1 });
schema.plugin(outboxPlugin);

export const UserModel = model<UserDoc>('User', schema);

export type UserConnectionView = Connection<UserDoc>;
