import { LRUCache } from 'lru-cache';
import { DEFAULT_REQUIRED_COMPANY_FIELDS } from '../completeness/required-fields';
import { definitionsOf, type CustomFieldDefinitionDoc, type CustomFieldEntity } from '../custom-field/custom-field.model';
import { settingsOf } from '../tenant-settings/tenant-settings.model';

/** What a write of a tenant's company or contact is checked and normalised against. */
export interface WriteRules {
  /** National phone numbers are read in this country. */
  defaultCountry: string | null;
  /** The entity's custom fields (archived ones too: their values can still be cleared). */
  definitions: CustomFieldDefinitionDoc[];
  /** Company fields whose emptiness lowers completeness, and the version of that set. */
  requiredFields: string[];
  requiredVersion: number;
}

/**
 * Custom field definitions, cached per tenant and entity under the settings' `definitionsVersion`
 * they were read with: every definition change bumps it once written, so a write that reads the
 * settings (always, they are one look-up by id) knows whether its cached definitions still hold.
 * That saves a look-up on every create and update. The age limit covers a definition written
 * without its bump (a crash between the two); the size limit keeps many tenants from growing it.
 */
const cachedDefinitions = new LRUCache<string, { version: number; definitions: Promise<CustomFieldDefinitionDoc[]> }>({ max: 1_000, ttl: 60_000 });

function definitionsAt(tenantId: string, entity: CustomFieldEntity, version: number): Promise<CustomFieldDefinitionDoc[]> {
  const key = `${tenantId}\u0000${entity}`;
  const cached = cachedDefinitions.get(key);
  if (cached?.version === version) return cached.definitions;
  const definitions = definitionsOf(tenantId, entity);
  cachedDefinitions.set(key, { version, definitions });
  // A failed read is not kept: the next write reads again.
  definitions.catch(() => cachedDefinitions.get(key)?.definitions === definitions && cachedDefinitions.delete(key));
  return definitions;
}

export async function writeRules(tenantId: string, entity: CustomFieldEntity): Promise<WriteRules> {
  const settings = await settingsOf(tenantId);
  return {
    defaultCountry: settings.defaultCountry ?? null,
    definitions: await definitionsAt(tenantId, entity, settings.definitionsVersion ?? 0),
    requiredFields: settings.requiredCompanyFields ?? DEFAULT_REQUIRED_COMPANY_FIELDS,
    requiredVersion: settings.requiredVersion ?? 0,
  };
}
