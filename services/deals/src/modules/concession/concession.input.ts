import { z } from 'zod';

/** Free text, as everywhere: at most 10,000 characters. */
const rationale = z.string().trim().min(1, 'rationale must not be empty').max(10_000, 'rationale is at most 10,000 characters');

export const concessionInput = z
  .object({
    kind: z.enum(['SPECIAL_PRICE', 'TRADE_CREDIT']),
    discountPercent: z.number().finite().gt(0, 'discountPercent must be above 0').max(100, 'discountPercent is at most 100').nullish(),
    creditDays: z.number().int('creditDays is a whole number of days').min(1, 'creditDays must be at least 1').max(365, 'creditDays is at most 365').nullish(),
    rationale,
  })
  .superRefine((input, issues) => {
    const needs = input.kind === 'SPECIAL_PRICE' ? 'discountPercent' : 'creditDays';
    const other = input.kind === 'SPECIAL_PRICE' ? 'creditDays' : 'discountPercent';
    if (input[needs] == null) issues.addIssue({ code: 'custom', path: [needs], message: `${needs} is required for ${input.kind}` });
    if (input[other] != null) issues.addIssue({ code: 'custom', path: [other], message: `${other} does not apply to ${input.kind}` });
  })
  .transform((input) => ({ ...input, discountPercent: input.discountPercent ?? null, creditDays: input.creditDays ?? null }));

export const decisionInput = z.object({ rationale });
