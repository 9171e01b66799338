import { outboxPlugin, type HasOutbox } from '@crm/messaging';
import { model, Schema, type Types } from 'mongoose';

export const customFieldEntities = ['COMPANY', 'CONTACT'] as const;
export type CustomFieldEntity = (typeof customFieldEntities)[number];
export const customFieldTypes = ['TEXT', 'NUMBER', 'DATE', 'SELECT', 'MULTI_SELECT', 'BOOLEAN'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];

/**
 * A tenant's own field on companies or contact persons. Its values live in the record's
 * `customFields` object under `key` and are validated against this on every write
 * (custom-field.values.ts). Key, entity and type never change once defined: stored values
 * stay valid. Archived fields keep their stored values but take no new ones.
 */
export interface CustomFieldDefinitionDoc extends HasOutbox {
  _id: Types.ObjectId;
  tenantId: string;
  entity: CustomFieldEntity;
  key: string;
  label: string;
  type: CustomFieldType;
  /** The choices of SELECT and MULTI_SELECT. */
  options: string[];
  /** TEXT: at most this many characters (at most MAX_TEXT_LENGTH). */
  maxLength?: number | null;
  /** NUMBER bounds. */
  min?: number | null;
  max?: number | null;
  archived: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<CustomFieldDefinitionDoc>(
  {
    tenantId: { type: String, required: true },
    entity: { type: String, required: true },
    key: { type: String, required: true },
    label: { type: String, required: true },
    type: { type: String, required: true },
    options: { type: [String], default: [] },
    maxLength: { type: Number, default: null },
    min: { type: Number, default: null },
    max: { type: Number, default: null },
    archived: { type: Boolean, default: false },
  },
  { timestamps: true, versionKey: false, collection: 'custom_field_definitions' },
);
// One definition per key and entity in a tenant (archived ones keep their key).
schema.index({ tenantId: 1, entity: 1, key: 1 }, { unique: true });
// Every change leaves as a CustomFieldDefinitionChanged from the definition's own outbox.
schema.plugin(outboxPlugin);

/** The definition as CustomFieldDefinitionChanged carries it. */
export const publishedDefinition = (definition: Omit<CustomFieldDefinitionDoc, '_id' | 'tenantId' | 'createdAt' | 'updatedAt' | 'outbox'>) => ({
  entity: definition.entity,
  key: definition.key,
  label: definition.label,
  type: definition.type,
  options: definition.options ?? [],
  maxLength: definition.maxLength ?? null,
  min: definition.min ?? null,
  max: definition.max ?? null,
  archived: definition.archived ?? false,
});

export const CustomFieldDefinitionModel = model<CustomFieldDefinitionDoc>('CustomFieldDefinition', schema);

/** At most this many definitions per entity and tenant: the list is read whole on every write. */
export const MAX_DEFINITIONS = 200;

/** A tenant's definitions for one entity, by key (archived included: they still clear values). */
export const definitionsOf = (tenantId: string, entity: CustomFieldEntity) =>
  CustomFieldDefinitionModel.find({ tenantId, entity }).sort({ key: 1 }).limit(MAX_DEFINITIONS).lean<CustomFieldDefinitionDoc[]>().exec();
