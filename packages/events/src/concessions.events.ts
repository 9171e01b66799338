import { z } from 'zod';
import { defineEvent } from './define';
import { topics } from './topics';

/** SPECIAL_PRICE: a discount below the price list; TRADE_CREDIT: payment N days after delivery. */
const kind = z.enum(['SPECIAL_PRICE', 'TRADE_CREDIT']);

/** What every concession event says about the request. */
const concessionFields = {
  concessionId: z.string().min(1),
  dealId: z.string().min(1),
  companyId: z.string().min(1),
  kind,
  /** SPECIAL_PRICE only: the discount off the price list, in percent. */
  discountPercent: z.number().gt(0).max(100).nullable(),
  /** TRADE_CREDIT only: days the client may pay after delivery. */
  creditDays: z.number().int().positive().max(365).nullable(),
};

/** A manager asked a head of sales for a concession on a deal (`requestConcession`). */
export const ConcessionRequested = defineEvent({
  type: 'ConcessionRequested',
  version: 1,
  source: 'deals',
  topic: topics.concession,
  aggregateType: 'ConcessionRequest',
  data: z.object({ ...concessionFields, rationale: z.string().min(1).max(10_000), requestedBy: z.string().min(1) }),
  example: {
    concessionId: '6660a1f28b3e4a0012a4c101',
    dealId: '6660a0aa8b3e4a0012a4c0f0',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    kind: 'SPECIAL_PRICE',
    discountPercent: 7.5,
    creditDays: null,
    rationale: 'Competing offer from CleanPro at 8% below our list price; three-year contract.',
    requestedBy: 'user-anna',
  },
});

/**
 * A head of sales (or an admin) approved or rejected a concession request (`decideConcession`).
 * An approval was only possible with the company's profile complete and no risk flag.
 */
export const ConcessionDecided = defineEvent({
  type: 'ConcessionDecided',
  version: 1,
  source: 'deals',
  topic: topics.concession,
  aggregateType: 'ConcessionRequest',
  data: z.object({
    ...concessionFields,
    status: z.enum(['APPROVED', 'REJECTED']),
    decidedBy: z.string().min(1),
    rationale: z.string().min(1).max(10_000),
    decidedAt: z.iso.datetime({ offset: true }),
  }),
  example: {
    concessionId: '6660a1f28b3e4a0012a4c101',
    dealId: '6660a0aa8b3e4a0012a4c0f0',
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    kind: 'TRADE_CREDIT',
    discountPercent: null,
    creditDays: 45,
    status: 'APPROVED',
    decidedBy: 'user-head-of-sales',
    rationale: 'Long-standing client, paid every invoice on time in 2026.',
    decidedAt: '2026-11-12T09:30:00.000Z',
  },
});
