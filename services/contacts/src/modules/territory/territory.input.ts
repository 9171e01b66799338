import { idInput } from '@crm/service-kit';
import { z } from 'zod';
import { nameKey } from '../shared/name-key';
import { territoryKinds } from './territory.model';

/** Codes: letters, digits, `-`, `_`, `.`, upper-cased (`de-by` is `DE-BY`). */
const code = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_.-]{0,31}$/, 'code is 1 to 32 letters, digits, "-", "_" or "." (starting with a letter or digit)');
const name = z.string().trim().min(1, 'name must not be empty').max(100).transform((value) => value.replace(/\s+/g, ' '));

export const createTerritorySchema = z.object({
  kind: z.enum(territoryKinds),
  code,
  name,
  parentId: idInput('parentId').nullish().transform((value) => value ?? null),
});

export const updateTerritorySchema = z.object({ code: code.optional(), name: name.optional() });

/** An address part as compared with territories: by code (upper case) or by name key. */
export const addressKeys = (value: string | null | undefined) => (value && value.trim() ? { code: value.trim().toUpperCase(), nameKey: nameKey(value) } : null);
