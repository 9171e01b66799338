import { fakerDE as faker } from '@faker-js/faker';

export { faker };

export const industries = ['Wholesale', 'Logistics', 'Manufacturing', 'Retail', 'Facility services', 'Education', 'Healthcare', 'Hospitality', 'IT services', 'Construction'];
export const sources = ['WEB_FORM', 'AD_LINK', 'WEB_CHAT', 'CALL', 'EMAIL', 'REFERRAL', 'IMPORT'] as const;
const legalForms = ['GmbH', 'AG', 'KG', 'GmbH & Co. KG', 'SE'];
const positions = ['Managing director', 'Head of purchasing', 'Buyer', 'Office manager', 'CFO', 'Facility manager', 'Head of logistics', 'HR manager'];
const roles = ['DECISION_MAKER', 'INFLUENCER', 'BUYER', 'USER', 'GATEKEEPER'];

/** Digits only: numbers in ranges libphonenumber accepts (Berlin landlines, German mobiles). */
const digits = (n: number) => Array.from({ length: n }, () => faker.number.int(9)).join('');
const landline = () => `+4930${faker.number.int({ min: 1, max: 9 })}${digits(7)}`;
const mobile = () => `+49151${faker.number.int({ min: 1, max: 9 })}${digits(7)}`;

const slug = (text: string) => text.toLowerCase().normalize('NFD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);

export interface SeedCompany {
  input: Record<string, unknown>;
  domain: string;
}

export function company(index: number, ownerIds: string[]): SeedCompany {
  const base = faker.company.name().replace(/\s+(GmbH|AG|KG|SE|& Co\..*)$/i, '');
  const name = `${base} ${faker.helpers.arrayElement(legalForms)}`;
  const domain = `${slug(base) || `company-${index}`}-${index}.example`;
  const risky = faker.number.float() < 0.08;
  const profiled = faker.number.float() < 0.6;
  return {
    domain,
    input: {
      name,
      website: `https://www.${domain}`,
      industry: faker.helpers.arrayElement(industries),
      taxId: `DE${String(100_000_000 + index * 7919).slice(0, 9)}`,
      ownerId: faker.helpers.arrayElement(ownerIds),
      source: faker.helpers.arrayElement(sources),
      tags: faker.helpers.arrayElements(['key-account', 'new', 'reseller', 'public-sector', 'tender', 'export'], { min: 0, max: 2 }),
      phones: [{ type: 'WORK', number: landline(), primary: true }],
      emails: [{ type: 'WORK', address: `info@${domain}`, primary: true }],
      addresses: [{ type: 'OFFICE', street: faker.location.streetAddress(), ...faker.helpers.arrayElement(DEMO_CITIES), postalCode: faker.location.zipCode(), country: 'DE', primary: true }],
      potential: { amount: faker.number.int({ min: 10, max: 900 }) * 1000, currency: 'EUR' },
      riskFlags: risky ? [faker.helpers.arrayElement(['LITIGATION', 'OVERDUE_PAYMENTS', 'INSOLVENCY_RISK'])] : [],
      profile: profiled
        ? {
            supplyStructure: faker.helpers.arrayElement(['Own production and two distributors', 'Direct imports from Asia', 'Regional wholesalers']),
            financing: faker.helpers.arrayElement(['Equity and a bank credit line', 'Leasing and bank loans', 'Investor-backed']),
            mainCustomers: [faker.company.name(), faker.company.name()],
            shareholders: [{ name: faker.person.fullName(), sharePercent: 60, founder: true }, { name: faker.person.fullName(), sharePercent: 40, founder: false }],
            solvency: { rating: faker.helpers.arrayElement(['A', 'B', 'C']), assessedAt: faker.date.recent({ days: 300 }).toISOString(), note: 'Credit agency report' },
            competitors: [faker.company.name()],
            litigation: risky ? [{ caseNumber: `${faker.number.int({ min: 1, max: 40 })} O ${digits(3)}/26`, role: 'DEFENDANT', status: 'OPEN', amount: { amount: faker.number.int({ min: 5, max: 200 }) * 1000, currency: 'EUR' }, summary: 'Unpaid supplier invoices' }] : [],
            paymentTerms: { days: faker.helpers.arrayElement([14, 30, 45, 60]), method: 'Bank transfer' },
          }
        : undefined,
    },
  };
}

export function contact(domain: string, companyId: string, first: boolean) {
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  return {
    firstName,
    lastName,
    companyId,
    position: first ? 'Managing director' : faker.helpers.arrayElement(positions),
    decisionMaker: first,
    emails: [{ type: 'WORK', address: `${slug(firstName)}.${slug(lastName)}.${digits(3)}@${domain}`, primary: true }],
    phones: [
      { type: 'WORK', number: landline(), primary: true },
      { type: 'MOBILE', number: mobile() },
    ],
    source: faker.helpers.arrayElement(sources),
  };
}

export const dealRole = (first: boolean) => (first ? 'DECISION_MAKER' : faker.helpers.arrayElement(roles));

export function lineItems() {
  return Array.from({ length: faker.number.int({ min: 1, max: 4 }) }, () => ({
    product: faker.commerce.productName(),
    quantity: faker.number.int({ min: 1, max: 50 }),
    unitPrice: faker.number.int({ min: 20, max: 2000 }),
    discountPercent: faker.helpers.arrayElement([0, 0, 5, 10]),
  }));
}

/** The demo's territory tree (seed.ts creates it) and the cities companies are in: placed by their address. */
export const DEMO_REGIONS = [
  { code: 'DE-BY', name: 'Bavaria', cities: [{ code: 'DE-BY-MUC', name: 'Munich' }, { code: 'DE-BY-NUE', name: 'Nuremberg' }] },
  { code: 'DE-BW', name: 'Baden-Württemberg', cities: [{ code: 'DE-BW-STR', name: 'Stuttgart' }] },
  { code: 'DE-BE', name: 'Berlin', cities: [{ code: 'DE-BE-BER', name: 'Berlin' }] },
  { code: 'DE-HH', name: 'Hamburg', cities: [{ code: 'DE-HH-HAM', name: 'Hamburg' }] },
  { code: 'DE-NW', name: 'North Rhine-Westphalia', cities: [{ code: 'DE-NW-CGN', name: 'Cologne' }, { code: 'DE-NW-DUS', name: 'Düsseldorf' }] },
];
const DEMO_CITIES = [
  ...DEMO_REGIONS.flatMap((region) => region.cities.map((city) => ({ city: city.name, region: region.name }))),
  // A city with no territory of its own: placed in its region, or the country.
  { city: 'Augsburg', region: 'Bavaria' },
  { city: 'Leipzig', region: 'Saxony' },
];
