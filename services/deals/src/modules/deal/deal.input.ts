import { z } from 'zod';

// ISO 4217 codes as the runtime's ICU knows them.
const currencies = new Set(Intl.supportedValuesOf('currency'));

export const createDealInput = z.object({
  title: z.string().trim().min(1, 'title must not be empty').max(200),
  companyId: z.string(),
  pipelineId: z.string(),
  amount: z.number().finite().min(0, 'amount must not be negative').max(1e13),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .refine((code) => currencies.has(code), 'currency must be an ISO 4217 code such as EUR or USD'),
  ownerId: z.string().trim().min(1).max(64).nullish(),
});
