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

/**
 * Free and generic mail providers: a domain shared by millions says nothing about who someone
 * works for, so two John Smiths at gmail.com are no duplicates. `name.*` stands for the name under
 * any top-level domain, perhaps after `co.` or `com.` (yahoo.de, hotmail.co.uk, yahoo.com.br).
 */
export const FREE_MAIL_DOMAINS = [
  ...['gmail.com', 'googlemail.com', 'ymail.com', 'msn.com', 'icloud.com', 'me.com', 'mac.com', 'mail.com', 'zoho.com'],
  ...['web.de', 't-online.de', 'freenet.de', 'orange.fr', 'free.fr', 'libero.it', 'mail.ru', 'qq.com', '163.com'],
  ...['proton.me', 'protonmail.com', 'pm.me'],
  ...['yahoo.*', 'outlook.*', 'hotmail.*', 'live.*', 'aol.*', 'gmx.*', 'yandex.*'],
];

const freeMail = new Set(FREE_MAIL_DOMAINS.filter((domain) => !domain.endsWith('.*')));
const freeMailNames = new Set(FREE_MAIL_DOMAINS.filter((domain) => domain.endsWith('.*')).map((domain) => domain.slice(0, -2)));
const TOP_LEVEL = /^(?:co\.|com\.)?[a-z]{2,3}$/;

/** Whether a (lower-case) mail domain is a free or generic provider's (FREE_MAIL_DOMAINS). */
export function isFreeMailDomain(domain: string): boolean {
  const dot = domain.indexOf('.');
  return freeMail.has(domain) || (dot > 0 && freeMailNames.has(domain.slice(0, dot)) && TOP_LEVEL.test(domain.slice(dot + 1)));
}

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

/**
 * A person's keys: each email and phone (the primary scalars included), the name with each email's
 * domain unless a free-mail provider's (FREE_MAIL_DOMAINS).
 */
export function contactMatchKeys(contact: Pick<ContactDoc, 'emails' | 'phones' | 'email' | 'phone' | 'nameKey'>): MatchKey[] {
  const addresses = [...(contact.emails ?? []).map((email) => email.address), ...(contact.email ? [contact.email] : [])].map((address) => address.trim().toLowerCase());
  const phones = [...(contact.phones ?? []).map((phone) => phone.number), ...(contact.phone ? [contact.phone] : [])];
  const workDomains = addresses.map(emailDomain).filter((domain) => !isFreeMailDomain(domain));
  return unique([
    ...addresses.map((value) => ({ kind: 'EMAIL' as const, value })),
    ...phones.map((value) => ({ kind: 'PHONE' as const, value })),
    ...(contact.nameKey ? workDomains.map((domain) => ({ kind: 'NAME_AND_DOMAIN' as const, value: nameAndDomain(contact.nameKey, domain) })) : []),
  ]);
}
