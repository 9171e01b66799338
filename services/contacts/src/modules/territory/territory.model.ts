import { model, Schema, type Types } from 'mongoose';

export const territoryKinds = ['COUNTRY', 'REGION', 'CITY'] as const;
export type TerritoryKind = (typeof territoryKinds)[number];

/** The kind a parent of each kind must have (a country has none). */
export const PARENT_KIND: Record<TerritoryKind, TerritoryKind | null> = { COUNTRY: null, REGION: 'COUNTRY', CITY: 'REGION' };

/**
 * A node of the tenant's territory tree, COUNTRY → REGION → CITY. `ancestorIds` (root first) is
 * fixed at creation (a territory does not move), so a path is one read by ids and a descendant
 * check needs no walk. No outbox: no other service reads territories (docs/events.md).
 */
export interface TerritoryDoc {
  _id: Types.ObjectId;
  tenantId: string;
  kind: TerritoryKind;
  /** Upper case, unique in the tenant (for instance DE, DE-BY, DE-BY-MUC). */
  code: string;
  name: string;
  /** The name as compared with an address: trimmed, collapsed, lower-cased. */
  nameKey: string;
  parentId: string | null;
  ancestorIds: string[];
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<TerritoryDoc>(
  {
    tenantId: { type: String, required: true },
    kind: { type: String, required: true, enum: territoryKinds },
    code: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    parentId: { type: String, default: null },
    ancestorIds: { type: [String], default: [] },
  },
  { timestamps: true, versionKey: false, collection: 'territories', minimize: false },
);
// A code is unique in its tenant (CONFLICT otherwise); an address is matched by code or by name.
schema.index({ tenantId: 1, code: 1 }, { unique: true });
schema.index({ tenantId: 1, nameKey: 1 });
// Children of a parent (roots: parentId null), by name.
schema.index({ tenantId: 1, parentId: 1, nameKey: 1 });

export const TerritoryModel = model<TerritoryDoc>('Territory', schema);
