import { hasRole } from '@crm/auth';
import { badInput, currencyCodeInput, forbidden, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { AnalyticsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { DEFAULT_CURRENCY } from './money.math';
import { MoneySettingsModel, type MoneySettingsDoc } from './money-settings.model';
import { forgetRates } from './money.service';

const currencyCode = currencyCodeInput();
const currencyInput = z.object({ currency: currencyCode });
const ratesInput = z.object({
  rates: z
    .array(z.object({ currency: currencyCode, rate: z.number().positive('must be greater than 0').finite().max(1e9) }))
    .min(1, 'give at least one rate')
    .max(200, 'at most 200 rates'),
});

const view = (settings: Pick<MoneySettingsDoc, 'currency' | 'rates'> | null) => ({
  currency: settings?.currency ?? DEFAULT_CURRENCY,
  rates: Object.entries(settings?.rates ?? {})
    .map(([currency, rate]) => ({ currency, rate }))
    .sort((a, b) => a.currency.localeCompare(b.currency)),
});

function requireMoneyAdmin(ctx: AnalyticsContext) {
  if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may set currencies and rates');
}

export const moneyResolvers: Resolvers = {
  Query: {
    moneySettings: async (_parent, _args, ctx) => view(await MoneySettingsModel.findOne({ _id: ctx.tenantId, tenantId: ctx.tenantId }).lean()),
  },
  Mutation: {
    setTenantCurrency: async (_parent, args, ctx) => {
      requireMoneyAdmin(ctx);
      const { currency } = parseInput(currencyInput, args);
      const current = await MoneySettingsModel.findOne({ _id: ctx.tenantId, tenantId: ctx.tenantId }).lean();
      if ((current?.currency ?? DEFAULT_CURRENCY) === currency) return view(current);
      // Rates are units of the base currency: with another base they would be wrong, so they go.
      const settings = await MoneySettingsModel.findOneAndUpdate(
        { _id: ctx.tenantId, tenantId: ctx.tenantId },
        { $set: { currency, rates: {}, updatedAt: new Date() } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      forgetRates(ctx.tenantId);
      return view(settings);
    },
    setExchangeRates: async (_parent, args, ctx) => {
      requireMoneyAdmin(ctx);
      const { rates } = parseInput(ratesInput, args);
      const current = await MoneySettingsModel.findOne({ _id: ctx.tenantId, tenantId: ctx.tenantId }).lean();
      const base = current?.currency ?? DEFAULT_CURRENCY;
      const own = rates.findIndex((rate) => rate.currency === base);
      if (own >= 0) throw badInput(`${base} is the base currency: its rate is 1`, `rates.${own}.currency`);
      const settings = await MoneySettingsModel.findOneAndUpdate(
        { _id: ctx.tenantId, tenantId: ctx.tenantId },
        {
          $set: { ...Object.fromEntries(rates.map(({ currency, rate }) => [`rates.${currency}`, rate])), updatedAt: new Date() },
          $setOnInsert: { currency: base },
        },
        { upsert: true, returnDocument: 'after' },
      ).lean();
      forgetRates(ctx.tenantId);
      return view(settings);
    },
  },
};
