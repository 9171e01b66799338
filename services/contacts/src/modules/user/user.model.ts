import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema } from 'mongoose';

/**
 * A person of the tenant's directory; `userId` is the subject of their sign-in token. Added
 * on the first signed-in request with the token's claims, edited by admins. Their teams are
 * kept here too (`teamIds`, moved with the team's membership) so that a list by team and
 * UserChanged need no second read.
 */
export interface UserDoc extends HasOutbox {
  tenantId: string;
  userId: string;
  name: string | null;
  email: string | null;
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
schema.plugin(outboxPlugin);

export const UserModel = model<UserDoc>('User', schema);
