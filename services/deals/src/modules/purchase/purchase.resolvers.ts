import { requireCan } from '@crm/policy';
import { badInput, decodeCursor, encodeCursor, listSize, type ListBound } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { PurchaseModel } from './purchase.model';
import { purchaseView, type OrderedPurchase } from './purchase.view';

/** Company.purchases: as in purchase.graphql. */
export const COMPANY_PURCHASES: ListBound = { default: 20, max: 100 };

/** A page's position: newest order first, ties by id. */
const cursorOf = (purchase: OrderedPurchase) => encodeCursor(`${purchase.orderedAt.toISOString()}|${purchase._id}`);

function positionOf(after: string): { orderedAt: Date; id: string } {
  const [at, ...id] = decodeCursor(after).split('|');
  const orderedAt = new Date(at ?? '');
  if (Number.isNaN(orderedAt.getTime()) || id.length === 0) throw badInput('after is not a valid cursor', 'after');
  return { orderedAt, id: id.join('|') };
}

export const purchaseResolvers: Resolvers = {
  Company: {
    purchases: async (company, { first, after }, ctx) => {
      // The client's orders, prices and payments are the company's: its read right, in the row
      // scope of its owner as deals knows it (contacts' events). A company deals does not know
      // has no owner: only a tenant-wide read right reads it.
      const known = await ctx.loaders.knownCompanyById.load(company.id);
      await requireCan(ctx, 'company', 'read', { ownerId: known?.ownerId ?? null });
      const size = listSize(first, COMPANY_PURCHASES);
      const filter = { tenantId: ctx.tenantId, companyId: company.id, ordered: true };
      const from = after ? positionOf(after) : undefined;
      const page = from ? { ...filter, $or: [{ orderedAt: { $lt: from.orderedAt } }, { orderedAt: from.orderedAt, _id: { $lt: from.id } }] } : filter;
      const rows = await PurchaseModel.find(page).sort({ orderedAt: -1, _id: -1 }).limit(size + 1).lean<OrderedPurchase[]>();
      const edges = rows.slice(0, size).map((node) => ({ cursor: cursorOf(node), node }));
      return {
        edges,
        pageInfo: { hasNextPage: rows.length > size, hasPreviousPage: Boolean(after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },
  Purchase: {
    id: (purchase) => purchase.orderId,
    paymentDueAt: (purchase) => purchaseView(purchase).paymentDueAt,
    shipmentStatus: (purchase) => purchaseView(purchase).shipmentStatus,
    shippedAmount: (purchase) => purchaseView(purchase).shippedAmount,
    paymentStatus: (purchase) => purchaseView(purchase).paymentStatus,
    paidAmount: (purchase) => purchaseView(purchase).paidAmount,
    overdue: (purchase) => purchaseView(purchase).overdue,
    shipments: (purchase) => purchaseView(purchase).shipments.map((shipment) => ({ ...shipment, id: shipment.shipmentId })),
    payments: (purchase) => purchaseView(purchase).payments.map((payment) => ({ ...payment, id: payment.paymentId })),
  },
};
