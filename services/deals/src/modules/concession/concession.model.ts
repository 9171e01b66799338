import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import type { Connection } from '@crm/service-kit';
import { model, Schema, type Types } from 'mongoose';

export type ConcessionKind = 'SPECIAL_PRICE' | 'TRADE_CREDIT';
export type ConcessionStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

/** A request for a concession on a deal, and its decision once made. */
export interface ConcessionDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  dealId: Types.ObjectId;
  /** The deal's company when requested (repointed on a merge); decisions read the deal's current one. */
  companyId: string;
  /** The deal's owner, kept with the deal's owner changes: the row scope of the approvers' queue. */
  dealOwnerId?: string | null;
  kind: ConcessionKind;
  discountPercent: number | null;
  creditDays: number | null;
  rationale: string;
  requestedBy: string;
  status: ConcessionStatus;
  decidedBy: string | null;
  decisionRationale: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<ConcessionDoc>(
  {
    tenantId: { type: String, required: true },
    dealId: { type: Schema.Types.ObjectId, required: true },
    companyId: { type: String, required: true },
    dealOwnerId: { type: String, default: null },
    kind: { type: String, enum: ['SPECIAL_PRICE', 'TRADE_CREDIT'], required: true },
    discountPercent: { type: Number, default: null },
    creditDays: { type: Number, default: null },
    rationale: { type: String, required: true },
    requestedBy: { type: String, required: true },
    status: { type: String, enum: ['PENDING', 'APPROVED', 'REJECTED'], required: true },
    decidedBy: { type: String, default: null },
    decisionRationale: { type: String, default: null },
    decidedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, collection: 'concession_requests' },
);
schema.plugin(outboxPlugin);
// A deal's requests, newest first.
schema.index({ tenantId: 1, dealId: 1, _id: -1 });
// The approvers' queue, by status, newest first; and every request of the tenant.
schema.index({ tenantId: 1, status: 1, _id: -1 });
schema.index({ tenantId: 1, _id: -1 });
// The queue of an approver whose deal scope is OWN or TEAM: the requests on their owners' deals.
schema.index({ tenantId: 1, dealOwnerId: 1, _id: -1 });
// Repointed on a company merge.
schema.index({ tenantId: 1, companyId: 1 });

export const ConcessionModel = model<ConcessionDoc>('ConcessionRequest', schema);

/** Query.concessionRequests as resolvers build it: totalCount is counted only when asked for. */
export type ConcessionConnectionView = Connection<ConcessionDoc>;
