import { isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { requireReadable, type HasAccess, type OwnedRecord } from '@crm/policy';
import { badInput, conflict, notFound, parseInput, type BaseContext } from '@crm/service-kit';
import { GraphQLError } from 'graphql';
import type { z } from 'zod';
import { createCompanySchema } from '../company/company.input';
import { CompanyModel } from '../company/company.model';
import { createCompany } from '../company/company.write';
import { createContactSchema } from '../contact/contact.input';
import { ContactModel } from '../contact/contact.model';
import { createContact } from '../contact/contact.write';
import { writeRules } from '../shared/write-rules';
import { leadConverted } from './lead.events';
import { convertInput } from './lead.input';
import { LeadModel, type ConversionDoc, type LeadDoc } from './lead.model';
import { derivedId } from './lead-ids';
import type { ConversionWrites } from './lead-rights';

/** Checks the caller's rights on the lead as read and what the conversion will write; throws to refuse. */
export type AuthorizeConversion = (lead: LeadDoc, writes: ConversionWrites) => void;

/**
 * convertLead as a resumable saga (the store has no multi-document transactions):
 * 1. plan: the ids (given, or derived from the lead id) and the deal request, stored on the lead once,
 *    after the company and contact it creates were checked against the create schemas;
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

/**
 * Stores the plan of `args`, once what it creates passed the create schemas. `stuck`: a stored plan
 * that cannot be carried out (see convertLead), replaced by this one; a company it created stays
 * the conversion's company (created steps are kept, so nothing is left behind).
 */
async function planConversion(ctx: BaseContext, lead: LeadDoc, args: ConvertArgs, stuck: ConversionDoc | null): Promise<LeadDoc> {
  const leadId = lead._id.toString();
  if (args.companyId) await requireLinkable(ctx, CompanyModel, args.companyId, 'company');
  if (args.contactId) await requireLinkable(ctx, ContactModel, args.contactId, 'contact');
  const companyId = args.companyId ?? derivedId(leadId, 'company');
  if (stuck?.createCompany && stuck.companyId !== companyId && (await CompanyModel.exists({ _id: stuck.companyId, tenantId: ctx.tenantId }))) {
    throw conflict(`the conversion of lead ${leadId} already created company ${stuck.companyId}; convert it without companyId`, { existingId: stuck.companyId });
  }
  const plan: ConversionDoc = {
    companyId,
    createCompany: !args.companyId,
    contactId: args.contactId ?? derivedId(leadId, 'contact'),
    createContact: !args.contactId,
    dealId: args.deal ? derivedId(leadId, 'deal') : null,
    deal: args.deal ?? null,
    startedBy: ctx.userId,
    startedAt: new Date(),
    convertedAt: null,
  };
  // Nothing is stored for a plan its own steps would refuse: the answer names the field, the lead stays unplanned.
  const refused = await refusedCreate(ctx, lead, plan);
  if (refused) throw refused;
  // On the lead as checked: still unplanned (or still the stuck plan read), same assignee.
  const read: Record<string, unknown> = stuck
    ? { 'conversion.startedAt': stuck.startedAt, 'conversion.companyId': stuck.companyId, 'conversion.contactId': stuck.contactId, status: { $ne: 'CONVERTED' } }
    : { conversion: null };
  const planned = await LeadModel.findOneAndUpdate({ _id: lead._id, tenantId: ctx.tenantId, ...read, assigneeId: lead.assigneeId }, { $set: { conversion: plan } }, { returnDocument: 'after' })
    .lean<LeadDoc>()
    .exec();
  if (planned) return planned;
  // Planned (or replanned) by a concurrent call meanwhile: its plan is the one. Unplanned, or the same stuck plan: reassigned since it was checked.
  const current = (await findLead(ctx, leadId))!;
  if (!current.conversion || (stuck && current.conversion.startedAt.getTime() === stuck.startedAt.getTime())) throw conflict(`lead ${leadId} was reassigned meanwhile; read it again`);
  return current;
}

function splitName(lead: LeadDoc): { firstName: string; lastName: string } {
  const name = lead.name ?? lead.email?.split('@')[0] ?? 'Unknown';
  const parts = name.split(' ');
  // A single word is taken as the last name (contacts need both).
  return parts.length > 1 ? { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1)! } : { firstName: 'Unknown', lastName: parts[0]! };
}

/** What createCompany gets for the lead's company. */
function companyInput(lead: LeadDoc) {
  const address = lead.city || lead.region || lead.country ? [{ type: 'OFFICE', city: lead.city, region: lead.region, country: lead.country, primary: true }] : [];
  return {
    name: lead.companyName ?? lead.name ?? `Lead ${lead._id.toString()}`,
    industry: lead.industry,
    source: lead.source,
    ownerId: lead.assigneeId,
    teamId: lead.teamId,
    territoryId: lead.territoryId,
    addresses: address,
  };
}

/** What createContact gets for the lead's person, at the plan's company. */
function contactInput(lead: LeadDoc, companyId: string) {
  return {
    ...splitName(lead),
    companyId,
    email: lead.email,
    phone: lead.phone,
    source: lead.source,
    ownerId: lead.assigneeId,
    teamId: lead.teamId,
    territoryId: lead.territoryId,
    industry: lead.industry,
  };
}

/** The first problem of `input` for `schema`, as a BAD_USER_INPUT naming `<record>.<field>`; null when valid. */
function refusal(record: 'company' | 'contact', schema: z.ZodType, input: unknown): GraphQLError | null {
  const issue = schema.safeParse(input).error?.issues[0];
  if (!issue) return null;
  const field = `${record}.${issue.path.join('.')}`;
  return badInput(`${field} (of the ${record} this lead converts into): ${issue.message}; give ${record}Id to link an existing ${record} instead`, field);
}

/**
 * Whether createCompany or createContact would refuse what the plan still has to create (a lead's
 * fields are wider than a record's: a 200-character name against 100 per name part). Checked with
 * their own schemas before anything is written: refused midway, a plan left its company behind and
 * failed the same way on every retry.
 */
async function refusedCreate(ctx: BaseContext, lead: LeadDoc, plan: ConversionDoc): Promise<GraphQLError | null> {
  const { tenantId } = ctx;
  if (plan.createCompany && !(await CompanyModel.exists({ _id: plan.companyId, tenantId }))) {
    const refused = refusal('company', createCompanySchema(await writeRules(tenantId, 'COMPANY')), companyInput(lead));
    if (refused) return refused;
  }
  if (plan.createContact && !(await ContactModel.exists({ _id: plan.contactId, tenantId }))) {
    return refusal('contact', createContactSchema(await writeRules(tenantId, 'CONTACT')), contactInput(lead, plan.companyId));
  }
  return null;
}

async function ensureCompany(ctx: BaseContext, lead: LeadDoc, plan: ConversionDoc): Promise<void> {
  if (!plan.createCompany) return;
  if (await CompanyModel.exists({ _id: plan.companyId, tenantId: ctx.tenantId })) return;
  try {
    await createCompany(ctx, companyInput(lead), undefined, plan.companyId);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error; // created by a concurrent call
  }
}

/** The contact's id: the derived one, or the existing contact that already holds the lead's email (linked, not duplicated). */
async function ensureContact(ctx: BaseContext, lead: LeadDoc, plan: ConversionDoc): Promise<string> {
  if (!plan.createContact) return plan.contactId;
  if (await ContactModel.exists({ _id: plan.contactId, tenantId: ctx.tenantId })) return plan.contactId;
  try {
    await createContact(ctx, contactInput(lead, plan.companyId), undefined, plan.contactId);
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

/**
 * `authorize`: the caller's rights, checked before the first write (on the stored plan when there is one, else on the input).
 * A stored plan is followed as it is (a later input is ignored), unless what it still has to create
 * would be refused (stored before that was checked, or the tenant's rules changed since): every run
 * of it would fail the same way, so this call's input plans the conversion again.
 */
export async function convertLead(ctx: BaseContext, id: string, input: unknown, authorize?: AuthorizeConversion): Promise<LeadDoc> {
  let lead = await findLead(ctx, id);
  if (!lead) throw notFound('Lead', id);
  const stuck = lead.conversion && lead.status !== 'CONVERTED' && (await refusedCreate(ctx, lead, lead.conversion)) ? lead.conversion : null;
  const plan = stuck ? null : lead.conversion;
  const args = plan ? null : parseInput(convertInput, input ?? {});
  authorize?.(lead, plan ? { createCompany: plan.createCompany, createContact: plan.createContact, deal: plan.deal !== null } : { createCompany: !args!.companyId, createContact: !args!.contactId, deal: Boolean(args!.deal) });
  if (lead.status === 'CONVERTED') return lead;
  if (lead.status === 'DISQUALIFIED') throw conflict(`lead ${id} is disqualified; it cannot be converted`);
  if (args) lead = await planConversion(ctx, lead, args, stuck);
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
