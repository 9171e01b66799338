import { hasRole } from '@crm/auth';
import { badInput, forbidden } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import { settingsOf, type TenantSettingsDoc } from '../tenant-settings/tenant-settings.model';
import { DEFAULT_REQUIRED_COMPANY_FIELDS } from './required-fields';
import { changeRequiredFields, resumeIfStalled } from './required-fields.write';

const view = (settings: TenantSettingsDoc) => ({
  entity: 'COMPANY' as const,
  fields: settings.requiredCompanyFields ?? DEFAULT_REQUIRED_COMPANY_FIELDS,
  isDefault: !settings.requiredCompanyFields,
  recompute: settings.recompute ?? null,
});

const companiesOnly = (entity: string) => {
  if (entity !== 'COMPANY') throw badInput('completeness is kept for companies only', 'entity');
};

export const completenessResolvers: Resolvers = {
  Query: {
    requiredFields: async (_parent, { entity }, ctx) => {
      companiesOnly(entity);
      const settings = await settingsOf(ctx.tenantId);
      resumeIfStalled(settings, ctx.logger);
      return view(settings);
    },
  },
  Mutation: {
    setRequiredFields: async (_parent, { entity, fields }, ctx) => {
      if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may set the required fields');
      companiesOnly(entity);
      return view(await changeRequiredFields(ctx, () => fields));
    },
  },
};
