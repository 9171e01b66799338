import { leadSources, routingMethods } from '@crm/events';
import { idInput, userIdInput } from '@crm/service-kit';
import { z } from 'zod';
import { languageTag } from '../lead/lead.input';

export type RoutingMethod = (typeof routingMethods)[number];

const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max).nullish().transform((value) => value ?? []);
const size = z.number().int().min(0).max(10_000_000).nullish().transform((value) => value ?? null);

export const ruleMatchInput = z
  .object({
    territoryIds: list(z.string().trim().min(1).max(64), 200),
    industries: list(z.string().trim().min(1).max(100).toLowerCase(), 100),
    companySizeMin: size,
    companySizeMax: size,
    // As leads give them (ISO 639, lower-cased): a rule for "de" also takes "de-DE" (route-lead.ts).
    languages: list(languageTag, 50),
    sources: list(z.enum(leadSources), leadSources.length),
  })
  .refine((match) => match.companySizeMin === null || match.companySizeMax === null || match.companySizeMin <= match.companySizeMax, {
    path: ['companySizeMax'],
    message: 'companySizeMax is below companySizeMin',
  });

const ruleFields = {
  name: z.string().trim().min(1, 'name must not be empty').max(200),
  enabled: z.boolean(),
  match: ruleMatchInput,
  teamId: idInput('teamId'),
  method: z.enum(routingMethods),
  fixedUserId: userIdInput('fixedUserId').nullish(),
  slaMinutes: z.number().int().min(1).max(60 * 24 * 30).nullish(),
};

const fixedNeedsUser = (rule: { method?: RoutingMethod; fixedUserId?: string | null }) => rule.method !== 'FIXED' || Boolean(rule.fixedUserId);

export const createRuleInput = z
  .object({ ...ruleFields, enabled: ruleFields.enabled.nullish().transform((value) => value ?? true), match: ruleMatchInput.nullish() })
  .refine(fixedNeedsUser, { path: ['fixedUserId'], message: 'a FIXED rule needs fixedUserId' });

export const updateRuleInput = z.object({
  name: ruleFields.name.optional(),
  enabled: ruleFields.enabled.optional(),
  match: ruleMatchInput.optional(),
  teamId: ruleFields.teamId.optional(),
  method: ruleFields.method.optional(),
  fixedUserId: ruleFields.fixedUserId,
  slaMinutes: ruleFields.slaMinutes,
});

/** The tenant's routing fallback: a team (null removes it) and the minutes a lead no rule assigned waits for it. */
export const fallbackInput = z.object({
  teamId: idInput('teamId').nullish(),
  afterMinutes: z.number().int().min(0).max(60 * 24 * 30).nullish(),
});
