import { createCompanyInput, domainOf } from '../src/modules/company/company.input';
import { createContactInput } from '../src/modules/contact/contact.input';

describe('company normalisation', () => {
  it.each([
    ['https://www.Acme.com/about', 'acme.com'],
    ['acme.co.uk', 'acme.co.uk'],
    ['HTTP://Shop.Example.org:8080/x?y', 'shop.example.org'],
    ['http://', null],
  ])('domainOf(%s) is %s', (website, domain) => {
    expect(domainOf(website)).toBe(domain);
  });

  it('trims the name (inner spaces collapsed) and turns blank optional fields into null', () => {
    expect(createCompanyInput.parse({ name: '  Acme   Trading ', industry: '   ', website: 'acme.com' })).toEqual({
      name: 'Acme Trading',
      industry: null,
      website: 'acme.com',
    });
  });
});

describe('contact normalisation', () => {
  it('lower-cases emails, trims names and writes phones in E.164', () => {
    expect(createContactInput.parse({ firstName: ' Jean ', lastName: ' Dupont ', email: ' Jean.Dupont@Exemple.FR ', phone: '06 12 34 56 78', phoneCountry: 'fr' })).toEqual({
      firstName: 'Jean',
      lastName: 'Dupont',
      emails: [{ type: 'WORK', address: 'jean.dupont@exemple.fr', primary: true }],
      phones: [{ type: 'WORK', number: '+33612345678', primary: true }],
    });
  });

  it('refuses a national number without its country', () => {
    const result = createContactInput.safeParse({ firstName: 'A', lastName: 'B', phone: '06 12 34 56 78' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['phone']);
  });
});
