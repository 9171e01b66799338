import { hasRole } from '@crm/auth';
import { createEvent, DefaultCountryChanged, eventMeta } from '@crm/events';
import { forbidden, parseInput } from '@crm/service-kit';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { countryCode } from '../shared/channels.input';
import { changeSettings, settingsOf } from './tenant-settings.model';

const countryInput = z.object({ country: countryCode('country').refine(isSupportedCountry, 'country is not a country with a phone numbering plan') });

export const tenantSettingsResolvers: Resolvers = {
  Query: {
    tenantSettings: (_parent, _args, ctx) => settingsOf(ctx.tenantId),
  },
  Mutation: {
    setTenantDefaultCountry: async (_parent, args, ctx) => {
      if (!hasRole(ctx.identity, 'admin')) throw forbidden('only admins may set the default country');
      const { country } = parseInput(countryInput, args);
      // Conditional on the country read, so the event's previous country is the one replaced.
      return changeSettings(
        ctx.tenantId,
        ({ defaultCountry }) => {
          const previousCountry = defaultCountry ?? null;
          if (previousCountry === country) return null;
          return { read: { defaultCountry: previousCountry }, set: { defaultCountry: country }, event: createEvent(DefaultCountryChanged, eventMeta(ctx, ctx.tenantId), { country, previousCountry }) };
        },
        'the default country was changed meanwhile; try again',
      );
    },
  },
};
