import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max).transform((value) => value.replace(/\s+/g, ' '));
/** Lists of terms: trimmed, each once, bounded. */
const terms = (max: number) =>
  z
    .array(text(100))
    .max(max, `at most ${max} values`)
    .transform((values) => [...new Set(values)]);

export const roleName = z.string().trim().regex(/^[a-z][a-z0-9_]{1,39}$/, 'a role is 2 to 40 lower-case letters, digits or _');
/** ISO 639-1 codes, stored lower case. */
export const languageCode = z.string().trim().toLowerCase().regex(/^[a-z]{2}$/, 'a language is an ISO 639-1 code (de, en...)');

export const updateUserSchema = z.object({
  name: text(200).nullish(),
  email: z.string().trim().toLowerCase().email('email is not an email address').max(254).nullish(),
  roles: z.array(roleName).min(1, 'a user has at least one role').max(20).transform((values) => [...new Set(values)]).optional(),
  languages: z.array(languageCode).max(20).transform((values) => [...new Set(values)]).optional(),
  products: terms(50).optional(),
  industries: terms(50).optional(),
  active: z.boolean().optional(),
});

export const userFilterSchema = z
  .object({
    teamId: z.string().regex(/^[0-9a-f]{24}$/i, 'teamId is not a valid id').nullish(),
    role: roleName.nullish(),
    language: languageCode.nullish(),
    product: text(100).nullish(),
    industry: text(100).nullish(),
    search: text(100).nullish(),
    active: z.boolean().nullish(),
  })
  .nullish();

export const specialistsSchema = z
  .object({ product: text(100).nullish(), industry: text(100).nullish(), language: languageCode.nullish() })
  .refine((args) => Boolean(args.product || args.industry || args.language), { message: 'give a product, an industry or a language', path: ['product'] });
