import { idInput } from '@crm/service-kit';
import { z } from 'zod';
import { isImportField } from './import-fields';

const column = z.object({
  column: z.string().trim().min(1, 'column must not be empty').max(200),
  field: z.string().trim().min(1).max(100),
});

export const startImportInput = z
  .object({
    uploadId: idInput('uploadId'),
    format: z.enum(['CSV', 'XLSX']).nullish(),
    mapping: z.array(column).max(200, 'at most 200 columns').nullish(),
    dryRun: z.boolean().nullish().transform((value) => value ?? false),
    entity: z.enum(['CONTACT', 'COMPANY']).nullish(),
    defaultCountry: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'defaultCountry is an ISO 3166-1 alpha-2 code')
      .nullish(),
  })
  .superRefine((input, ctx) => {
    const fields = new Set<string>();
    const columns = new Set<string>();
    input.mapping?.forEach(({ column: name, field }, i) => {
      if (input.entity && !isImportField(input.entity, field)) ctx.addIssue({ code: 'custom', path: ['mapping', i, 'field'], message: `${field} is not a field an import of ${input.entity} rows fills` });
      if (fields.has(field)) ctx.addIssue({ code: 'custom', path: ['mapping', i, 'field'], message: `${field} is mapped twice` });
      if (columns.has(name)) ctx.addIssue({ code: 'custom', path: ['mapping', i, 'column'], message: `column ${name} is mapped twice` });
      fields.add(field);
      columns.add(name);
    });
    const has = (field: string) => fields.has(field);
    if (has('fullName') && (has('firstName') || has('lastName'))) ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'map fullName, or firstName and lastName, not both' });
  });
