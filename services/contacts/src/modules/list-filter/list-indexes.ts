import type { Schema } from 'mongoose';

/**
 * The list filters' indexes, as a schema plugin: one per common equality filter, tenantId first
 * (no query crosses tenants), then the field, then `_id` so MongoDB also reads such a list newest
 * first straight from the index. Which filters these serve: list-filter/README.md.
 */
export const listIndexes =
  (...fields: string[]) =>
  (schema: Schema) => {
    for (const field of fields) schema.index({ tenantId: 1, [field]: 1, _id: -1 });
  };
