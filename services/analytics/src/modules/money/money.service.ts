import { createReadCache } from '@crm/service-kit';
import { convert, convertAll, DEFAULT_CURRENCY, type Amount, type MoneyTotal, type Rates } from './money.math';
import { MoneySettingsModel } from './money-settings.model';

/** Read on every figure with money; changed by this service's own mutations (forgetRates). */
const ratesCache = createReadCache<Rates>();

/** The tenant's base currency (EUR until set) and rates. */
export async function ratesOf(tenantId: string): Promise<Rates> {
  const rates = await ratesCache.get(tenantId, 'rates', async () => {
    const settings = await MoneySettingsModel.findOne({ _id: tenantId, tenantId }).lean();
    return { currency: settings?.currency ?? DEFAULT_CURRENCY, rates: settings?.rates ?? {} };
  });
  return rates!;
}

/** After a change of the tenant's currency or rates. */
export const forgetRates = (tenantId: string) => ratesCache.forget(tenantId, 'rates');

/** An amount in the tenant's base currency; null when its currency has no rate. */
export async function toBase(tenantId: string, amount: number, currency: string): Promise<number | null> {
  return convert(await ratesOf(tenantId), amount, currency);
}

/** The batch form: amounts in several currencies as one total, those without a rate apart. */
export async function toBaseAll(tenantId: string, amounts: Iterable<Amount>): Promise<MoneyTotal> {
  return convertAll(await ratesOf(tenantId), amounts);
}
