import { z } from 'zod';
import { defineEvent } from './define';
import { topics } from './topics';

/**
 * Analytics classified a company by its revenue over a period (the nightly run: the last 12
 * months): A the clients making the top ~80% of the tenant's revenue, B the next ~15%, C the
 * rest. Published by runAbcAnalysis and the nightly run for each company whose class changed.
 * The contacts service applies it to the company card (the only writer of `abcClass`); the
 * newest `computedAt` wins.
 */
export const CompanyAbcClassChanged = defineEvent({
  type: 'CompanyAbcClassChanged',
  version: 1,
  source: 'analytics',
  topic: topics.companyClass,
  aggregateType: 'Company',
  data: z.object({
    companyId: z.string().min(1),
    abcClass: z.enum(['A', 'B', 'C']),
    /** Revenue over the analysed period (the last 12 months for the nightly run) in the tenant's reporting currency. */
    revenue12m: z.number().nonnegative(),
    currency: z.string().length(3),
    computedAt: z.string().datetime(),
    // Optional additions (same version): absent in events published before they existed.
    /** The analysed period, [periodFrom, periodTo), and what revenue meant: won deals or ERP payments. */
    periodFrom: z.iso.datetime({ offset: true }).optional(),
    periodTo: z.iso.datetime({ offset: true }).optional(),
    basis: z.enum(['WON_DEALS', 'PAYMENTS']).optional(),
  }),
  example: {
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    abcClass: 'A',
    revenue12m: 184000,
    currency: 'EUR',
    computedAt: '2026-11-30T02:00:00.000Z',
    periodFrom: '2025-11-30T02:00:00.000Z',
    periodTo: '2026-11-30T02:00:00.000Z',
    basis: 'WON_DEALS',
  },
});
