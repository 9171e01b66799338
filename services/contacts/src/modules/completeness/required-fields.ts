import type { CompanyDoc } from '../company/company.model';
import { customFieldOf } from '../shared/custom-field-values';

/** Company fields a tenant may require, by API name (contacts-common.md); custom fields as `customFields.<key>`. */
export const COMPANY_FIELDS = [
  'name',
  'website',
  'industry',
  'taxId',
  'ownerId',
  'teamId',
  'territoryId',
  'source',
  'tags',
  'phones',
  'emails',
  'addresses',
  'messengers',
  'potential',
  'riskFlags',
  'abcClass',
  'profile.supplyStructure',
  'profile.financing',
  'profile.mainCustomers',
  'profile.shareholders',
  'profile.solvency',
  'profile.competitors',
  'profile.litigation',
  'profile.paymentTerms',
] as const;

/**
 * What a tenant requires until it chooses: what a head of sales needs to decide on a
 * concession (who the client is, how to reach and bill it, whether and how it pays).
 */
export const DEFAULT_REQUIRED_COMPANY_FIELDS = ['name', 'industry', 'taxId', 'phones', 'addresses', 'profile.paymentTerms', 'profile.solvency'];

/** At most this many required fields (built-in plus custom). */
export const MAX_REQUIRED_FIELDS = 100;

/** A value counts as filled when it says something: non-blank text, a non-empty list, an object with some part set. */
export function isFilled(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Date) return true;
  if (typeof value === 'object') return Object.values(value).some(isFilled);
  return true; // numbers and booleans (false is an answer too)
}

/** The value of a company field by its API name. */
export function companyFieldValue(company: Partial<CompanyDoc>, field: string): unknown {
  // An own value only: a required `customFields.constructor` must not count as filled by Object's.
  if (field.startsWith('customFields.')) return customFieldOf(company.customFields, field.slice('customFields.'.length));
  if (field.startsWith('profile.')) return (company.profile as Record<string, unknown> | undefined)?.[field.slice('profile.'.length)];
  return (company as Record<string, unknown>)[field];
}

export interface Completeness {
  /** 0..100, one decimal, rounded down: 100 only when nothing is missing. */
  percent: number;
  missing: string[];
}

export function completenessOf(company: Partial<CompanyDoc>, required: readonly string[]): Completeness {
  const missing = required.filter((field) => !isFilled(companyFieldValue(company, field)));
  const percent = required.length === 0 ? 100 : Math.floor((1000 * (required.length - missing.length)) / required.length) / 10;
  return { percent, missing };
}

export const sameCompleteness = (a: Completeness | null | undefined, b: Completeness) =>
  a?.percent === b.percent && JSON.stringify(a.missing) === JSON.stringify(b.missing);
