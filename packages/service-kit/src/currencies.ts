import { z } from 'zod';

// ISO 4217 codes as the runtime's ICU knows them: three letters alone would take QQQ, a currency
// no amount is ever in.
const currencies = new Set(Intl.supportedValuesOf('currency'));

export const isCurrencyCode = (code: string) => currencies.has(code);

/** A currency field of a zod input schema: trimmed, upper-cased, ISO 4217. */
export const currencyCodeInput = (message = 'must be an ISO 4217 code such as EUR or USD') =>
  z.string().trim().max(3, message).toUpperCase().refine(isCurrencyCode, message);
