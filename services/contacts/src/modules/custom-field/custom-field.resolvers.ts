import { hasRole } from '@crm/auth';
import { createEvent, CustomFieldDefinitionChanged, eventMeta } from '@crm/events';
import { insertWithEvents, isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { badInput, conflict, forbidden, notFound, parseInput, requireId, type BaseContext } from '@crm/service-kit';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { changeRequiredFields, checkRoomForRequired, requiredFieldsOf } from '../completeness/required-fields.write';
import { collapseSpaces } from '../shared/normalise';
import { bumpDefinitionsVersion } from '../tenant-settings/tenant-settings.model';
import { CustomFieldDefinitionModel, customFieldTypes, MAX_DEFINITIONS, publishedDefinition, type CustomFieldDefinitionDoc } from './custom-field.model';
import { MAX_TEXT_LENGTH } from './custom-field.values';

const MAX_OPTIONS = 200;

const options = z
  .array(z.string().trim().min(1, 'an option must not be empty').max(100))
  .min(1, 'give at least one option')
  .max(MAX_OPTIONS)
  .refine((list) => new Set(list).size === list.length, 'options must differ');
const settings = {
  label: z.string().trim().min(1, 'label must not be empty').max(100).transform(collapseSpaces),
  options: options.nullish(),
  maxLength: z.number().int().min(1).max(MAX_TEXT_LENGTH).nullish(),
  min: z.number().finite().nullish(),
  max: z.number().finite().nullish(),
  required: z.boolean().nullish(),
};

const defineInput = z.object({
  key: z
    .string()
    .trim()
    .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,49}$/, 'key is 1-50 letters, digits or _, starting with a letter'),
  entity: z.enum(['COMPANY', 'CONTACT']),
  type: z.enum(customFieldTypes),
  ...settings,
});
const updateInput = z.object({ ...settings, label: settings.label.nullish() });

/** The settings must fit the type: options only for selects (and required there), a length for text, bounds for numbers. */
function checkSettings(definition: Pick<CustomFieldDefinitionDoc, 'entity' | 'type' | 'options' | 'maxLength' | 'min' | 'max'>, required: boolean | null | undefined) {
  const select = definition.type === 'SELECT' || definition.type === 'MULTI_SELECT';
  if (select && definition.options.length === 0) throw badInput('a select needs its options', 'options');
  if (!select && definition.options.length > 0) throw badInput('only selects take options', 'options');
  if (definition.type !== 'TEXT' && definition.maxLength != null) throw badInput('only text takes a maxLength', 'maxLength');
  if (definition.type !== 'NUMBER' && (definition.min != null || definition.max != null)) throw badInput('only numbers take min and max', 'min');
  if (definition.min != null && definition.max != null && definition.min > definition.max) throw badInput('min is above max', 'min');
  if (required && definition.entity !== 'COMPANY') throw badInput('only company fields count for completeness', 'required');
}

const mayManage = (ctx: BaseContext) => {
  if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may manage custom fields');
};

const requiredField = (definition: Pick<CustomFieldDefinitionDoc, 'key'>) => `customFields.${definition.key}`;

async function setRequired(ctx: BaseContext, definition: CustomFieldDefinitionDoc, required: boolean) {
  if (definition.entity !== 'COMPANY') return;
  const field = requiredField(definition);
  await changeRequiredFields(ctx, (fields) => (required ? [...new Set([...fields, field])] : fields.filter((other) => other !== field)));
}

async function ownDefinition(ctx: BaseContext, id: string) {
  requireId(id, 'id');
  const definition = await CustomFieldDefinitionModel.findOne({ _id: id, tenantId: ctx.tenantId }).lean<CustomFieldDefinitionDoc>().exec();
  if (!definition) throw notFound('CustomFieldDefinition', id);
  return definition;
}

/** The tenant's required company fields, read once per request however many definitions ask. */
const requiredOnce = new WeakMap<object, Promise<string[]>>();

export const customFieldResolvers: Resolvers = {
  Query: {
    customFieldDefinitions: (_parent, { entity, includeArchived }, ctx) =>
      CustomFieldDefinitionModel.find({ tenantId: ctx.tenantId, entity, ...(!includeArchived && { archived: false }) })
        .sort({ key: 1 })
        .limit(MAX_DEFINITIONS)
        .lean<CustomFieldDefinitionDoc[]>()
        .exec(),
  },
  Mutation: {
    defineCustomField: async (_parent, { input }, ctx) => {
      mayManage(ctx);
      const { required, ...fields } = parseInput(defineInput, input);
      const definition = { ...fields, options: fields.options ?? [], maxLength: fields.maxLength ?? null, min: fields.min ?? null, max: fields.max ?? null };
      checkSettings(definition, required);
      if (required) await checkRoomForRequired(ctx.tenantId, requiredField(definition));
      if ((await CustomFieldDefinitionModel.countDocuments({ tenantId: ctx.tenantId, entity: definition.entity })) >= MAX_DEFINITIONS) {
        throw badInput(`a tenant has at most ${MAX_DEFINITIONS} custom fields per entity`, 'key');
      }
      let created: CustomFieldDefinitionDoc;
      try {
        created = await insertWithEvents(CustomFieldDefinitionModel, { ...definition, tenantId: ctx.tenantId, archived: false }, (doc) =>
          createEvent(CustomFieldDefinitionChanged, eventMeta(ctx, doc._id.toString()), { definitionId: doc._id.toString(), change: 'DEFINED', definition: publishedDefinition(doc) }),
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await CustomFieldDefinitionModel.findOne({ tenantId: ctx.tenantId, entity: definition.entity, key: definition.key }, { _id: 1 }).lean().exec();
        throw conflict(`custom field ${definition.key} is already defined`, { existingId: existing?._id.toString(), field: 'key' });
      }
      await bumpDefinitionsVersion(ctx.tenantId);
      if (required) await setRequired(ctx, created, true);
      return created;
    },
    updateCustomField: async (_parent, { id, input }, ctx) => {
      mayManage(ctx);
      const before = await ownDefinition(ctx, id);
      const { required, ...fields } = parseInput(updateInput, input);
      // Absent settings stay; null clears one (the label stays).
      const given = <T>(value: T | null | undefined, stored: T) => (value === undefined ? stored : value);
      const after = {
        ...before,
        label: fields.label ?? before.label,
        options: given(fields.options, before.options) ?? [],
        maxLength: given(fields.maxLength, before.maxLength),
        min: given(fields.min, before.min),
        max: given(fields.max, before.max),
      };
      checkSettings(after, required);
      if (required && before.archived) throw badInput('an archived field cannot be required', 'required');
      if (required) await checkRoomForRequired(ctx.tenantId, requiredField(before));
      const updated = await updateWithEvents(
        CustomFieldDefinitionModel,
        { _id: id, tenantId: ctx.tenantId },
        { $set: { label: after.label, options: after.options, maxLength: after.maxLength ?? null, min: after.min ?? null, max: after.max ?? null } },
        createEvent(CustomFieldDefinitionChanged, eventMeta(ctx, id), { definitionId: id, change: 'UPDATED', definition: publishedDefinition(after) }),
      );
      if (!updated) throw notFound('CustomFieldDefinition', id);
      await bumpDefinitionsVersion(ctx.tenantId);
      if (required !== undefined && required !== null) await setRequired(ctx, updated, required);
      return updated;
    },
    archiveCustomField: async (_parent, { id }, ctx) => {
      mayManage(ctx);
      const before = await ownDefinition(ctx, id);
      const archived = await updateWithEvents(
        CustomFieldDefinitionModel,
        { _id: id, tenantId: ctx.tenantId },
        { $set: { archived: true } },
        createEvent(CustomFieldDefinitionChanged, eventMeta(ctx, id), { definitionId: id, change: 'ARCHIVED', definition: publishedDefinition({ ...before, archived: true }) }),
      );
      if (!archived) throw notFound('CustomFieldDefinition', id);
      await bumpDefinitionsVersion(ctx.tenantId);
      await setRequired(ctx, archived, false);
      return archived;
    },
  },
  CustomFieldDefinition: {
    id: (definition) => definition._id.toString(),
    required: async (definition, _args, ctx) => {
      if (definition.entity !== 'COMPANY') return false;
      if (!requiredOnce.has(ctx)) requiredOnce.set(ctx, requiredFieldsOf(ctx.tenantId));
      return (await requiredOnce.get(ctx)!).includes(requiredField(definition));
    },
  },
};
