import { idInput, userIdInput } from '@crm/service-kit';
import { z } from 'zod';

/** As TeamChanged bounds them. */
export const TEAM_LIMITS = { members: 500, territories: 500, industries: 100, keyCompanies: 1000 } as const;

/** The teams one user may be in: UserChanged carries at most 100 teamIds. */
export const MAX_TEAMS_PER_USER = 100;

const distinct = <T extends z.ZodType<string>>(item: T, max: number, what: string) =>
  z
    .array(item)
    .max(max, `at most ${max} ${what}`)
    .transform((values) => [...new Set(values as string[])]);

const name = z.string().trim().min(1, 'name must not be empty').max(200).transform((value) => value.replace(/\s+/g, ' '));
const industry = z.string().trim().min(1, 'an industry must not be empty').max(100);

const fields = {
  name,
  leadId: userIdInput('leadId').nullish(),
  memberIds: distinct(userIdInput('memberIds'), TEAM_LIMITS.members, 'members'),
  territoryIds: distinct(idInput('territoryIds'), TEAM_LIMITS.territories, 'territories'),
  industries: distinct(industry, TEAM_LIMITS.industries, 'industries'),
  keyCompanyIds: distinct(idInput('keyCompanyIds'), TEAM_LIMITS.keyCompanies, 'key companies'),
};

export const createTeamSchema = z.object({
  name: fields.name,
  leadId: fields.leadId.transform((value) => value ?? null),
  memberIds: fields.memberIds.nullish().transform((value) => value ?? []),
  territoryIds: fields.territoryIds.nullish().transform((value) => value ?? []),
  industries: fields.industries.nullish().transform((value) => value ?? []),
  keyCompanyIds: fields.keyCompanyIds.nullish().transform((value) => value ?? []),
});

/** Absent fields stay; a null lead removes the lead; lists replace. */
export const updateTeamSchema = z.object({
  name: fields.name.optional(),
  leadId: fields.leadId,
  memberIds: fields.memberIds.optional(),
  territoryIds: fields.territoryIds.optional(),
  industries: fields.industries.optional(),
  keyCompanyIds: fields.keyCompanyIds.optional(),
});

export type TeamFields = z.infer<typeof createTeamSchema>;
