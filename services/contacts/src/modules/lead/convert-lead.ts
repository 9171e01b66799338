import { isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { requireReadable, type HasAccess, type OwnedRecord } from '@crm/policy';
import { conflict, notFound, parseInput, type BaseContext } from '@crm/service-kit';
import { GraphQLError } from 'graphql';
import { CompanyModel } from '../company/company.model';
import { createCompany } from '../company/company.write';
import { ContactModel } from '../contact/contact.model';
import { createContact } from '../contact/contact.write';
import { leadConverted } from './lead.events';
import { convertInput } from './lead.input';
import { LeadModel, type ConversionDoc, type LeadDoc } from './lead.model';
import { derivedId } from './lead-ids';
import type { ConversionWrites } from './lead-rights';

/** Checks the caller's rights on the lead as read and what the conversion will write; throws to refuse. */
export type AuthorizeConversion = (lead: LeadDoc, writes: ConversionWrites) => void;

/**
 * convertLead as a resumable saga (the store has no multi-document transactions):
 * 1. plan: the ids (given, or derived from the lead id) and the deal request, stored on the lead once;
 * 2. the company (unless given), created with its derived id;
 * 3. the contact (unless given), at that company, with its derived id;
 * 4. the lead CONVERTED with LeadConverted in one write; deals creates the deal `dealId` from it.
 * Every step is idempotent by its record's id, so a crash anywhere, or a second call, converges to
 * one company, one contact and one deal. The lead keeps the refs (its history stays with it).
 */

export type ConversionStep = 'plan' | 'company' | 'contact';

/** Test hook: the process dies (SIGKILL, no clean-up) right after this step, to prove the saga resumes. Only with NODE_ENV=test. */
function crashPointAfter(step: ConversionStep): void {
  if (process.env.NODE_ENV === 'test' && process.env.CONTACTS_CRASH_AFTER_CONVERSION_STEP === step) process.kill(process.pid, 'SIGKILL');
}

const findLead = (ctx: BaseContext, id: string) => LeadModel.findOne({ _id: id, tenantId: ctx.tenantId }).lean<LeadDoc>().exec();

/** A record the conversion links to: it exists in the tenant, and the caller may read it (FORBIDDEN otherwise). */
async function requireLinkable(ctx: BaseContext & Partial<HasAccess>, model: typeof CompanyModel | typeof ContactModel, id: string, object: 'company' | 'contact'): Promise<void> {
  const found = await (model as typeof CompanyModel).findOne({ _id: id, tenantId: ctx.tenantId }).select({ _id: 1, ownerId: 1 }).lean<OwnedRecord>().exec();
  if (!found) throw notFound(object === 'company' ? 'Company' : 'Contact', id);
  if (ctx.access) await requireReadable(ctx as HasAccess, object, found);
}

type ConvertArgs = ReturnType<typeof convertInput.parse>;

async function planConversion(ctx: BaseContext, lead: LeadDoc, args: ConvertArgs): Promise<LeadDoc> {
  const leadId = lead._id.toString();
  if (args.companyId) await requireLinkable(ctx, CompanyModel, args.companyId, 'company');
  if (args.contactId) await requireLinkable(ctx, ContactModel, args.contactId, 'contact');
  const plan: ConversionDoc = {
    companyId: args.companyId ?? derivedId(leadId, 'company'),
    createCompany: !args.companyId,
    contactId: args.contactId ?? derivedId(leadId, 'contact'),
    createContact: !args.contactId,
    dealId: args.deal ? derivedId(leadId, 'deal') : null,
    deal: args.deal ?? null,
    startedBy: ctx.userId,
    startedAt: new Date(),
    convertedAt: null,
  };
  // On the lead as checked: still unplanned, same assignee.
  const planned = await LeadModel.findOneAndUpdate({ _id: lead._id, tenantId: ctx.tenantId, conversion: null, assigneeId: lead.assigneeId }, { $set: { conversion: plan } }, { returnDocument: 'after' })
    .lean<LeadDoc>()
    .exec();
  if (planned) return planned;
  // Planned by a concurrent call meanwhile: its plan is the one. Unplanned: reassigned since it was checked.
  const current = (await findLead(ctx, leadId))!;
  if (!current.conversion) throw conflict(`lead ${leadId} was reassigned meanwhile; read it again`);
  return current;
}

function splitName(lead: LeadDoc): { firstName: string; lastName: string } {
  const name = lead.name ?? lead.email?.split('@')[0] ?? 'Unknown';
  const parts = name.split(' ');
  // A single word is taken as the last name (contacts need both).
  return parts.length > 1 ? { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1)! } : { firstName: 'Unknown', lastName: parts[0]! };
}

async function ensureCompany(ctx: BaseContext, lead: LeadDoc, plan: ConversionDoc): Promise<void> {
  if (!plan.createCompany) return;
  if (await CompanyModel.exists({ _id: plan.companyId, tenantId: ctx.tenantId })) return;
  const address = lead.city || lead.region || lead.country ? [{ type: 'OFFICE', city: lead.city, region: lead.region, country: lead.country, primary: true }] : [];
  const input = {
    name: lead.companyName ?? lead.name ?? `Lead ${lead._id.toString()}`,
    industry: lead.industry,
    source: lead.source,
    ownerId: lead.assigneeId,
    teamId: lead.teamId,
    territoryId: lead.territoryId,
    addresses: address,
  };
  try {
    await createCompany(ctx, input, undefined, plan.companyId);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error; // created by a concurrent call
  }
}

/** The contact's id: the derived one, or the existing contact that already holds the lead's email (linked, not duplicated). */
async function ensureContact(ctx: BaseContext, lead: LeadDoc, plan: ConversionDoc): Promise<string> {
  if (!plan.createContact) return plan.contactId;
  if (await ContactModel.exists({ _id: plan.contactId, tenantId: ctx.tenantId })) return plan.contactId;
  const input = {
    ...splitName(lead),
    companyId: plan.companyId,
    email: lead.email,
    phone: lead.phone,
    source: lead.source,
    ownerId: lead.assigneeId,
    teamId: lead.teamId,
    territoryId: lead.territoryId,
    industry: lead.industry,
  };
  try {
    await createContact(ctx, input, undefined, plan.contactId);
    return plan.contactId;
  } catch (error) {
    if (isDuplicateKey(error)) return plan.contactId;
    const existingId = error instanceof GraphQLError && error.extensions.code === 'CONFLICT' ? error.extensions.existingId : undefined;
    if (typeof existingId !== 'string') throw error;
    // Remember the link, so that a resumed run names the same contact.
    await LeadModel.updateOne({ _id: lead._id, tenantId: ctx.tenantId, 'conversion.contactId': plan.contactId }, { $set: { 'conversion.contactId': existingId, 'conversion.createContact': false } }).exec();
    return existingId;
  }
}

/** `authorize`: the caller's rights, checked before the first write (on the stored plan when there is one, else on the input). */
export async function convertLead(ctx: BaseContext, id: string, input: unknown, authorize?: AuthorizeConversion): Promise<LeadDoc> {
  let lead = await findLead(ctx, id);
  if (!lead) throw notFound('Lead', id);
  const args = lead.conversion ? null : parseInput(convertInput, input ?? {});
  const plan = lead.conversion;
  authorize?.(lead, plan ? { createCompany: plan.createCompany, createContact: plan.createContact, deal: plan.deal !== null } : { createCompany: !args!.companyId, createContact: !args!.contactId, deal: Boolean(args!.deal) });
  if (lead.status === 'CONVERTED') return lead;
  if (lead.status === 'DISQUALIFIED') throw conflict(`lead ${id} is disqualified; it cannot be converted`);
  if (args) lead = await planConversion(ctx, lead, args);
  if (lead.status === 'CONVERTED') return lead;
  crashPointAfter('plan');
  const planned = lead.conversion!;
  await ensureCompany(ctx, lead, planned);
  crashPointAfter('company');
  const contactId = await ensureContact(ctx, lead, planned);
  crashPointAfter('contact');
  const now = new Date();
  const done = { ...lead, status: 'CONVERTED' as const, conversion: { ...planned, contactId, createContact: planned.createContact && contactId === planned.contactId, convertedAt: now } };
  const converted = await updateWithEvents(
    LeadModel,
    { _id: lead._id, tenantId: ctx.tenantId, status: { $ne: 'CONVERTED' } },
    { $set: { status: 'CONVERTED', open: false, slaState: null, conversion: done.conversion } },
    leadConverted(done, ctx.userId, ctx),
  );
  return converted ?? (await findLead(ctx, id))!;
}
