import { Types } from 'mongoose';
import type { CompanyDoc } from '../src/modules/company/company.model';
import type { ContactDoc } from '../src/modules/contact/contact.model';
import { companyMatchKeys, contactMatchKeys } from '../src/modules/duplicate/match-keys';
import { changedFields, mergeCompanyFields, mergeContactFields } from '../src/modules/merge/merge-fields';

const company = (fields: Partial<CompanyDoc>): CompanyDoc =>
  ({
    _id: new Types.ObjectId(),
    tenantId: 't',
    name: 'X',
    nameKey: 'x',
    phones: [],
    emails: [],
    addresses: [],
    messengers: [],
    tags: [],
    customFields: {},
    profile: { mainCustomers: [], shareholders: [], competitors: [], litigation: [] },
    riskFlags: [],
    mergedIds: [],
    ...fields,
  }) as CompanyDoc;

const contact = (fields: Partial<ContactDoc>): ContactDoc =>
  ({ _id: new Types.ObjectId(), tenantId: 't', firstName: 'A', lastName: 'B', nameKey: 'a b', emails: [], phones: [], addresses: [], messengers: [], tags: [], customFields: {}, employments: [], decisionMaker: false, mergedIds: [], ...fields }) as ContactDoc;

describe('match keys', () => {
  it("are a company's emails, phones, normalised tax id and name with domain, without repeats", () => {
    const keys = companyMatchKeys(
      company({ nameKey: 'acme', domain: 'acme.com', taxId: 'de 12.34-5/6', emails: [{ type: 'WORK', address: ' Info@Acme.com ', primary: true }, { type: 'OTHER', address: 'info@acme.com', primary: false }], phones: [{ type: 'WORK', number: '+4930123', primary: true }] }),
    );
    expect(keys).toEqual([
      { kind: 'EMAIL', value: 'info@acme.com' },
      { kind: 'PHONE', value: '+4930123' },
      { kind: 'TAX_ID', value: 'DE123456' },
      { kind: 'NAME_AND_DOMAIN', value: 'acme|acme.com' },
    ]);
    expect(companyMatchKeys(company({ nameKey: 'acme' }))).toEqual([]);
  });

  it("are a person's emails and phones (the primary scalars too) and the name with each email domain but a free-mail one", () => {
    expect(contactMatchKeys(contact({ nameKey: 'anna schmidt', email: 'anna@acme.de', phone: '+49151', emails: [{ type: 'PERSONAL', address: 'anna@gmail.com', primary: false }] }))).toEqual([
      { kind: 'EMAIL', value: 'anna@gmail.com' },
      { kind: 'EMAIL', value: 'anna@acme.de' },
      { kind: 'PHONE', value: '+49151' },
      { kind: 'NAME_AND_DOMAIN', value: 'anna schmidt|acme.de' },
    ]);
  });
});

describe('merged fields', () => {
  it('keep the primary values, fill gaps in the order given, unite lists and keep one primary per channel', () => {
    const primary = company({ industry: 'Wholesale', emails: [{ type: 'WORK', address: 'a@x.com', primary: true }], tags: ['VIP'], customFields: { tier: 'gold', empty: null } });
    const first = company({ industry: 'Retail', taxId: 'T1', emails: [{ type: 'WORK', address: 'b@x.com', primary: true }], tags: ['vip', 'new'], customFields: { tier: 'silver', empty: 'filled', region: 'N' }, riskFlags: ['LITIGATION'], mergedIds: ['old'] });
    const second = company({ taxId: 'T2', website: 'https://x.com', domain: 'x.com' });
    const merged = mergeCompanyFields(primary, [first, second]);
    expect(merged).toMatchObject({
      industry: 'Wholesale',
      taxId: 'T1',
      website: 'https://x.com',
      domain: 'x.com',
      emails: [{ address: 'a@x.com', primary: true }, { address: 'b@x.com', primary: false }],
      tags: ['VIP', 'new'],
      customFields: { tier: 'gold', empty: 'filled', region: 'N' },
      riskFlags: ['LITIGATION'],
      mergedIds: [first._id.toString(), 'old', second._id.toString()],
    });
  });

  it('never let the merged person report to someone inside the merge', () => {
    const other = contact({});
    const boss = new Types.ObjectId();
    // The primary reported to the duplicate: it reports to no one inside the merge, but takes the duplicate's manager.
    expect(mergeContactFields(contact({ reportsTo: other._id }), [other]).reportsTo).toBeNull();
    expect(mergeContactFields(contact({ reportsTo: other._id }), [{ ...other, reportsTo: boss }]).reportsTo).toEqual(boss);
    expect(mergeContactFields(contact({}), [contact({ reportsTo: boss })]).reportsTo).toEqual(boss);
  });

  it('name the changed fields by API name, profile and custom fields one by one', () => {
    const before = company({ tags: ['a'], customFields: { tier: 'gold' }, profile: { mainCustomers: ['M'], shareholders: [], competitors: [], litigation: [] } });
    const after = { tags: ['a'], customFields: { tier: 'gold', region: 'N' }, profile: { mainCustomers: ['M', 'R'], shareholders: [], competitors: [], litigation: [] }, mergedIds: ['x'] };
    expect(changedFields(before, after)).toEqual([
      { field: 'customFields.region', from: null, to: 'N' },
      { field: 'profile.mainCustomers', from: ['M'], to: ['M', 'R'] },
    ]);
  });
});
