import type { Envelope } from '@crm/events';
import { isDuplicateKey, PermanentEventError } from '@crm/messaging';
import { lineId, linesOf, type TimelineContent, type TimelineSubject } from './timeline.entries';
import { TimelineDealModel, type TimelineDealDoc } from './timeline-deal.model';
import { TimelineEntryModel, type LineScopeObject, type TimelineEntryDoc } from './timeline-entry.model';

/** How many of a deal's lines are copied at a time once its company becomes known. */
const COPY_BATCH = 200;

/**
 * Inserts lines by their deterministic ids: a line already there (a replay) is left as it is.
 * The lines are whole (linesOf, or copies of stored ones): the driver's insert, without a
 * mongoose document per line (an import writes two per person).
 */
export async function insertLines(lines: TimelineEntryDoc[]): Promise<void> {
  if (lines.length === 0) return;
  await TimelineEntryModel.insertMany(lines, { ordered: false, lean: true }).catch((error: unknown) => {
    if (!isDuplicateKey(error)) throw error;
  });
}

/** A deal got a new owner, or an activity a new assignee: its lines now show to who may read it as it is. */
export async function rescopeLines(tenantId: string, scopeObject: LineScopeObject, scopeId: string, scopeOwnerId: string): Promise<void> {
  await TimelineEntryModel.updateMany({ tenantId, scopeId, scopeObject, scopeOwnerId: { $ne: scopeOwnerId } }, { $set: { scopeOwnerId } });
}

export const writeLines = (event: Envelope<unknown>, content: TimelineContent, subjects: TimelineSubject[]) => insertLines(linesOf(event, content, subjects));

const subjectsOfDeal = (deal: Pick<TimelineDealDoc, 'companyId' | 'contactIds'>): TimelineSubject[] => [
  { entity: 'Company', id: deal.companyId },
  ...deal.contactIds.map((id): TimelineSubject => ({ entity: 'Contact', id })),
];

/**
 * A line about a deal (its own events, or an activity of it). Every such line is kept on the deal
 * itself and on the deal's company and contacts once the deal is known here. The deal may not be
 * known yet: activities and deals are different topics, read in no set order. Then the line goes
 * on the deal alone, and `registerDeal` copies the deal's lines when DealCreated comes. Each side
 * writes before it reads what the other writes (this the line, then the deal; registerDeal the
 * deal, then the lines), so whichever runs second sees the other's write: no line is missed. A
 * deal known already (the usual case, or `known` when the caller just registered it) gets the
 * line on all its records in one insert.
 */
export async function writeDealLines(
  event: Envelope<unknown>,
  dealId: string,
  content: TimelineContent,
  others: TimelineSubject[] = [],
  known?: Pick<TimelineDealDoc, 'companyId' | 'contactIds'>,
): Promise<void> {
  const own: TimelineSubject[] = [{ entity: 'Deal', id: dealId }, ...others];
  const findDeal = () => TimelineDealModel.findOne({ _id: dealId, tenantId: event.tenantId }).lean<TimelineDealDoc>();
  const registered = known ?? (await findDeal());
  if (registered) return insertLines(linesOf(event, content, [...own, ...subjectsOfDeal(registered)]));
  await writeLines(event, content, own);
  const deal = await findDeal();
  if (deal) await writeLines(event, content, subjectsOfDeal(deal));
}

/** Records which company a deal is for, then copies every line the deal already has to it. */
export async function registerDeal(event: Envelope<unknown>, deal: Omit<TimelineDealDoc, 'tenantId'>): Promise<void> {
  const { _id, ...fields } = deal;
  await TimelineDealModel.updateOne({ _id, tenantId: event.tenantId }, { $set: fields, $setOnInsert: { tenantId: event.tenantId } }, { upsert: true }).catch(
    (error: unknown) => {
      // A deal id is global: the same id under another tenant is never overwritten; a human looks at it.
      if (isDuplicateKey(error)) throw new PermanentEventError(`deal ${_id} belongs to another tenant`);
      throw error;
    },
  );
  const subjects = subjectsOfDeal(deal);
  for (let after = ''; ; ) {
    const lines = await TimelineEntryModel.find({ tenantId: event.tenantId, entity: 'Deal', entityId: _id, _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(COPY_BATCH)
      .lean<TimelineEntryDoc[]>();
    const copies = lines.flatMap(({ _id: _line, entity: _entity, entityId: _entityId, ...line }) =>
      subjects.map((subject) => ({ ...line, _id: lineId(line.eventId, subject), entity: subject.entity, entityId: subject.id })),
    );
    await insertLines(copies);
    if (lines.length < COPY_BATCH) return;
    after = lines.at(-1)!._id;
  }
}
