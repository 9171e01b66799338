import type { ContactDoc, EmploymentDoc } from './contact.model';

/** A contact's fields by API name (contacts-common.md), as recorded in ContactUpdated's changes. */
export const CONTACT_FIELDS = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'emails',
  'phones',
  'addresses',
  'messengers',
  'position',
  'department',
  'decisionMaker',
  'companyId',
  'employments',
  'reportsToId',
  'source',
  'ownerId',
  'teamId',
  'territoryId',
  'industry',
  'tags',
] as const;

export function contactFieldValue(contact: Partial<ContactDoc>, field: string): unknown {
  if (field.startsWith('customFields.')) return contact.customFields?.[field.slice('customFields.'.length)];
  if (field === 'reportsToId') return contact.reportsTo ?? null;
  return (contact as Record<string, unknown>)[field];
}

/** Open employments first (latest start first), then past ones (latest end first): the first open one is current. */
export function sortEmployments(employments: EmploymentDoc[]): EmploymentDoc[] {
  // An unknown start counts as the latest (the company the person was entered with).
  const time = (date: Date | null | undefined, none: number) => (date ? new Date(date).getTime() : none);
  const latestFirst = (x: number, y: number) => (x === y ? 0 : y > x ? 1 : -1);
  return [...employments].sort((a, b) => {
    if (!a.end !== !b.end) return a.end ? 1 : -1;
    return a.end ? latestFirst(time(a.end, 0), time(b.end, 0)) : latestFirst(time(a.start, Infinity), time(b.start, Infinity));
  });
}

export const currentEmployment = (employments: EmploymentDoc[]) => sortEmployments(employments).find((employment) => !employment.end) ?? null;
