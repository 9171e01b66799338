import { z } from 'zod';
import { LIMITS } from '../shared/channels.input';
import type { CustomFieldDefinitionDoc } from './custom-field.model';

/** A TEXT value is at most this long whatever its definition says. */
export const MAX_TEXT_LENGTH = 10_000;
/** A MULTI_SELECT value as given, repeats included, has at most this many entries (a definition has at most 200 options). */
const MAX_MULTI_SELECT_ENTRIES = 1_000;

/**
 * Custom field values as stored: TEXT a trimmed string, NUMBER a finite number, DATE an ISO
 * date string `YYYY-MM-DD` (a calendar day has no time zone; strings sort and compare as
 * dates, and travel unchanged in events), SELECT one option, MULTI_SELECT options without
 * repeats in the order given, BOOLEAN true/false. Null clears a value.
 */
export function customFieldValue(definition: CustomFieldDefinitionDoc): z.ZodType<unknown> {
  switch (definition.type) {
    case 'TEXT':
      return z
        .string('expects text')
        .trim()
        .min(1, 'must not be empty (give null to clear it)')
        .max(Math.min(definition.maxLength ?? MAX_TEXT_LENGTH, MAX_TEXT_LENGTH));
    case 'NUMBER': {
      let number = z.number('expects a number').finite();
      if (definition.min !== null && definition.min !== undefined) number = number.min(definition.min);
      if (definition.max !== null && definition.max !== undefined) number = number.max(definition.max);
      return number;
    }
    case 'DATE':
      return z.iso.date('expects a date as YYYY-MM-DD');
    case 'SELECT':
      return z.string('expects one of the options').refine((value) => definition.options.includes(value), { message: `expects one of: ${definition.options.join(', ')}` });
    case 'MULTI_SELECT':
      // Repeats are dropped, not refused: the bound applies to the options left (each at most
      // once); the raw list is bounded only so that a huge one is not walked.
      return z
        .array(z.string('expects options'), 'expects a list of options')
        .max(MAX_MULTI_SELECT_ENTRIES)
        .refine((values) => values.every((value) => definition.options.includes(value)), { message: `expects some of: ${definition.options.join(', ')}` })
        .transform((values) => [...new Set(values)]);
    case 'BOOLEAN':
      return z.boolean('expects true or false');
  }
}

/**
 * The `customFields` input (a list of key/value pairs) checked against the definitions, as an
 * object of the values to set (null = clear). Problems name `customFields.<key>`.
 */
export const customFieldsInput = (definitions: CustomFieldDefinitionDoc[]) => {
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  return z
    .array(z.object({ key: z.string().trim().min(1).max(50), value: z.unknown() }))
    .max(LIMITS.customFields)
    .transform((entries, ctx) => {
      const values: Record<string, unknown> = {};
      for (const { key, value } of entries) {
        const definition = byKey.get(key);
        const fail = (message: string) => ctx.addIssue({ code: 'custom', path: [key], message: `customFields.${key} ${message}` });
        // Own keys only: `in` also sees Object.prototype (`constructor`, `toString`), which would make such a key "given twice" on its first use.
        if (Object.hasOwn(values, key)) fail('is given twice');
        else if (!definition) fail('is not a defined custom field');
        else if (value === null || value === undefined) values[key] = null;
        else if (definition.archived) fail('is archived: it takes no new values');
        else {
          const parsed = customFieldValue(definition).safeParse(value);
          if (parsed.success) values[key] = parsed.data;
          else fail(parsed.error.issues[0]?.message ?? 'is not valid');
        }
      }
      return values;
    });
};
