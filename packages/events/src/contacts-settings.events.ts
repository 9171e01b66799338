import { z } from 'zod';
import { defineEvent } from './define';
import { topics } from './topics';

/**
 * A tenant's settings of the contacts service changed: what other systems need to read the
 * client base as the tenant defines it (its own fields, required fields, saved segments). The
 * tenant's settings have one aggregate per tenant (`aggregateId` = tenant id); a custom field and
 * a segment are aggregates of their own.
 */

/** The country whose numbering plan reads phone numbers written without a country code. */
export const DefaultCountryChanged = defineEvent({
  type: 'DefaultCountryChanged',
  version: 1,
  source: 'contacts',
  topic: topics.contactsSettings,
  aggregateType: 'TenantSettings',
  data: z.object({ country: z.string().regex(/^[A-Z]{2}$/), previousCountry: z.string().nullish() }),
  example: { country: 'DE', previousCountry: null },
});

/** The company fields (built-in API names, custom ones as `customFields.<key>`) a complete profile has. */
export const RequiredFieldsChanged = defineEvent({
  type: 'RequiredFieldsChanged',
  version: 1,
  source: 'contacts',
  topic: topics.contactsSettings,
  aggregateType: 'TenantSettings',
  data: z.object({
    fields: z.array(z.string().min(1).max(200)).max(500),
    /** Raised by every change; companies' completeness is recomputed for it in the background. */
    requiredVersion: z.number().int().nonnegative(),
  }),
  example: { fields: ['industry', 'profile.solvency', 'customFields.vatGroup'], requiredVersion: 3 },
});

const customFieldDefinition = z.object({
  entity: z.enum(['COMPANY', 'CONTACT']),
  key: z.string().min(1).max(100),
  label: z.string().min(1).max(200),
  type: z.enum(['TEXT', 'NUMBER', 'DATE', 'SELECT', 'MULTI_SELECT', 'BOOLEAN']),
  options: z.array(z.string().min(1).max(200)).max(500),
  maxLength: z.number().int().nullish(),
  min: z.number().nullish(),
  max: z.number().nullish(),
  archived: z.boolean(),
});

/** A tenant's own field on companies or people was defined, changed or archived: the definition after it. */
export const CustomFieldDefinitionChanged = defineEvent({
  type: 'CustomFieldDefinitionChanged',
  version: 1,
  source: 'contacts',
  topic: topics.contactsSettings,
  aggregateType: 'CustomField',
  data: z.object({ definitionId: z.string().min(1), change: z.enum(['DEFINED', 'UPDATED', 'ARCHIVED']), definition: customFieldDefinition }),
  example: {
    definitionId: '665f1c0a8b3e4a0012a4b5a1',
    change: 'DEFINED',
    definition: { entity: 'COMPANY', key: 'vatGroup', label: 'VAT group', type: 'SELECT', options: ['A', 'B', 'C'], maxLength: null, min: null, max: null, archived: false },
  },
});

/** A saved company filter was created, changed or deleted (`filter` as the API takes it; null once deleted). */
export const SegmentChanged = defineEvent({
  type: 'SegmentChanged',
  version: 1,
  source: 'contacts',
  topic: topics.contactsSettings,
  aggregateType: 'Segment',
  data: z.object({
    segmentId: z.string().min(1),
    change: z.enum(['CREATED', 'UPDATED', 'DELETED']),
    name: z.string().min(1).max(200),
    filter: z.record(z.string(), z.unknown()).nullable(),
  }),
  example: {
    segmentId: '665f1d008b3e4a0012a4b5d0',
    change: 'CREATED',
    name: 'Berlin wholesalers',
    filter: { and: [{ field: 'TERRITORY_ID', op: 'EQ', value: 'territory-berlin' }, { field: 'INDUSTRY', op: 'EQ', value: 'Wholesale' }] },
  },
});
