import type { CompanyDoc } from '../company/company.model';
import type { ContactDoc } from '../contact/contact.model';

/** What two records may share that makes them look like the same client. */
export const matchKinds = ['EMAIL', 'PHONE', 'TAX_ID', 'NAME_AND_DOMAIN'] as const;
export type MatchKind = (typeof matchKinds)[number];
export type MatchEntity = 'Company' | 'Contact';

export interface MatchKey {
  kind: MatchKind;
  value: string;
}

/** A tax id as compared: upper-cased, without spaces, dots, dashes or slashes ("de 123.456-789" = "DE123456789"). */
/** The tax id as the unique keys compare it (shared/normalise.ts): letters and digits. */
import { taxIdKey } from '../shared/normalise';

export { taxIdKey };

const emailDomain = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** Name plus web domain as one value: "acme trading|acme.com". */
export const nameAndDomain = (nameKey: string, domain: string) => `${nameKey}|${domain}`;

function unique(keys: MatchKey[]): MatchKey[] {
  const seen = new Map<string, MatchKey>();
  for (const key of keys) if (key.value) seen.set(`${key.kind}:${key.value}`, key);
  return [...seen.values()];
}

/** A company's keys: each email, each phone (E.164, as stored), its tax id, its name with its web domain. */
export function companyMatchKeys(company: Pick<CompanyDoc, 'emails' | 'phones' | 'taxId' | 'nameKey' | 'domain'>): MatchKey[] {
  return unique([
    ...(company.emails ?? []).map((email) => ({ kind: 'EMAIL' as const, value: email.address.trim().toLowerCase() })),
    ...(company.phones ?? []).map((phone) => ({ kind: 'PHONE' as const, value: phone.number })),
    ...(company.taxId ? [{ kind: 'TAX_ID' as const, value: taxIdKey(company.taxId) }] : []),
    ...(company.domain && company.nameKey ? [{ kind: 'NAME_AND_DOMAIN' as const, value: nameAndDomain(company.nameKey, company.domain) }] : []),
  ]);
}

/** A person's keys: each email and phone (the primary scalars included), the name with each email's domain. */
export function contactMatchKeys(contact: Pick<ContactDoc, 'emails' | 'phones' | 'email' | 'phone' | 'nameKey'>): MatchKey[] {
  const addresses = [...(contact.emails ?? []).map((email) => email.address), ...(contact.email ? [contact.email] : [])].map((address) => address.trim().toLowerCase());
  const phones = [...(contact.phones ?? []).map((phone) => phone.number), ...(contact.phone ? [contact.phone] : [])];
  return unique([
    ...addresses.map((value) => ({ kind: 'EMAIL' as const, value })),
    ...phones.map((value) => ({ kind: 'PHONE' as const, value })),
    ...(contact.nameKey ? addresses.map((address) => ({ kind: 'NAME_AND_DOMAIN' as const, value: nameAndDomain(contact.nameKey, emailDomain(address)) })) : []),
  ]);
}
