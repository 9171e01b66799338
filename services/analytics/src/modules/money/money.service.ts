import { convert, convertAll, DEFAULT_CURRENCY, type Amount, type MoneyTotal, type Rates } from './money.math';
import { MoneySettingsModel } from './money-settings.model';

/** The tenant's base currency (EUR until set) and rates. */
export async function ratesOf(tenantId: string): Promise<Rates> {
  const settings = await MoneySettingsModel.findOne({ _id: tenantId, tenantId }).lean();
  return { currency: settings?.currency ?? DEFAULT_CURRENCY, rates: settings?.rates ?? {} };
}

/** An amount in the tenant's base currency; null when its currency has no rate. */
export async function toBase(tenantId: string, amount: number, currency: string): Promise<number | null> {
  return convert(await ratesOf(tenantId), amount, currency);
}

/** The batch form: amounts in several currencies as one total, those without a rate apart. */
export async function toBaseAll(tenantId: string, amounts: Iterable<Amount>): Promise<MoneyTotal> {
  return convertAll(await ratesOf(tenantId), amounts);
}
