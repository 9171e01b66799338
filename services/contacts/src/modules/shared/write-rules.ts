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

export async function writeRules(tenantId: string, entity: CustomFieldEntity): Promise<WriteRules> {
  const [settings, definitions] = await Promise.all([settingsOf(tenantId), definitionsOf(tenantId, entity)]);
  return {
    defaultCountry: settings.defaultCountry ?? null,
    definitions,
    requiredFields: settings.requiredCompanyFields ?? DEFAULT_REQUIRED_COMPANY_FIELDS,
    requiredVersion: settings.requiredVersion ?? 0,
  };
}
