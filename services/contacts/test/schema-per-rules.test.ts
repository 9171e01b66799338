import { createCompanySchema } from '../src/modules/company/company.input';
import type { CustomFieldDefinitionDoc } from '../src/modules/custom-field/custom-field.model';

const definition = (key: string, type = 'NUMBER') => ({ _id: `t|COMPANY|${key}`, tenantId: 't', entity: 'COMPANY', key, label: key, type, options: [], archived: false }) as unknown as CustomFieldDefinitionDoc;

describe('input schemas per tenant rules', () => {
  it('builds a schema once per distinct rules, and again when the rules change', () => {
    const rules = { defaultCountry: 'DE', definitions: [definition('employees')] };
    const schema = createCompanySchema(rules);
    // The same rules read again (new objects, same content): the same schema.
    expect(createCompanySchema({ defaultCountry: 'DE', definitions: [definition('employees')] })).toBe(schema);
    expect(createCompanySchema({ ...rules, defaultCountry: 'FR' })).not.toBe(schema);
    const changed = createCompanySchema({ ...rules, definitions: [definition('employees', 'TEXT')] });
    expect(changed).not.toBe(schema);
  });

  it('reads every input with its own rules', () => {
    const numeric = createCompanySchema({ defaultCountry: 'DE', definitions: [definition('employees')] });
    const text = createCompanySchema({ defaultCountry: 'DE', definitions: [definition('employees', 'TEXT')] });
    expect(numeric.safeParse({ name: 'Acme', customFields: [{ key: 'employees', value: 'many' }] }).success).toBe(false);
    expect(text.safeParse({ name: 'Acme', customFields: [{ key: 'employees', value: 'many' }] }).success).toBe(true);
    const german = createCompanySchema({ defaultCountry: 'DE', definitions: [] }).parse({ name: 'Acme', phones: [{ number: '030 1234567' }] });
    const french = createCompanySchema({ defaultCountry: 'FR', definitions: [] }).parse({ name: 'Acme', phones: [{ number: '01 23 45 67 89' }] });
    expect(german.phones?.[0]?.number).toBe('+49301234567');
    expect(french.phones?.[0]?.number).toBe('+33123456789');
  });
});
