import { authorizeCreate, can, readable, requireReadable, type Access, type HasAccess, type OwnedRecord } from '@crm/policy';
import { forbidden } from '@crm/service-kit';
import type { LeadDoc } from './lead.model';

/** A lead's owner for row scopes is its assignee (TEAM: an assignee of the user's teams); an unassigned lead is in ALL scopes only. */
export const leadOwner = (lead: Pick<LeadDoc, 'assigneeId'>): OwnedRecord => ({ ownerId: lead.assigneeId });

/** A lead read by id: null when missing; outside the read scope null (a reference) or FORBIDDEN (a single read). */
export async function leadInScope(ctx: HasAccess, lead: LeadDoc | null, outside: 'null' | 'forbidden'): Promise<LeadDoc | null> {
  if (!lead) return null;
  const check = outside === 'null' ? readable : requireReadable;
  return (await check(ctx, 'lead', leadOwner(lead))) ? lead : null;
}

/** What a conversion writes, from its stored plan or from the input of its first call. */
export interface ConversionWrites {
  createCompany: boolean;
  createContact: boolean;
  deal: boolean;
}

/**
 * convertLead: update on the lead, and create for each record it makes. The company, the contact
 * and the deal belong to the lead's assignee (the caller when unassigned), so creating them for
 * someone else is also an assign, as for any create.
 */
export function authorizeConversion(access: Access, lead: LeadDoc, writes: ConversionWrites): void {
  if (!can(access, 'lead', 'update', leadOwner(lead))) throw forbidden('you may not update this lead');
  const owner = lead.assigneeId;
  if (writes.createCompany) authorizeCreate(access, 'company', owner);
  if (writes.createContact) authorizeCreate(access, 'contact', owner);
  if (writes.deal) authorizeCreate(access, 'deal', owner);
}
