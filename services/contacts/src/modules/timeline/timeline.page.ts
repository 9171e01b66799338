import { badInput, decodeCursor, encodeCursor, type ListBound } from '@crm/service-kit';
import { z } from 'zod';
import { FieldChangeModel, type FieldChangeDoc } from '../history/field-change.model';
import { TimelineEntryModel, type TimelineEntryDoc } from './timeline-entry.model';

/** Company.timeline and Contact.timeline: as in timeline.graphql. */
export const TIMELINE: ListBound = { default: 20, max: 100 };

/** A timeline's node: a field change (from modules/history) or a line learnt from an event. */
export type TimelineNode = FieldChangeDoc | TimelineEntryDoc;

export interface TimelineConnectionView {
  edges: { cursor: string; node: TimelineNode }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export const isFieldChange = (node: TimelineNode): node is FieldChangeDoc => 'field' in node;

/**
 * The timeline's order: newest first; at the same time, lines ('t') before field changes ('f'),
 * then by id, descending. Total, since ids are unique within each collection.
 */
interface Position {
  at: number;
  source: 'f' | 't';
  id: string;
}

const positionOf = (node: TimelineNode): Position => ({ at: node.at.getTime(), source: isFieldChange(node) ? 'f' : 't', id: node._id });

/** Negative when `a` comes first (is newer). */
const compare = (a: Position, b: Position) => b.at - a.at || (a.source === b.source ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.source === 't' ? -1 : 1);

const cursorOf = (position: Position) => encodeCursor(JSON.stringify([position.at, position.source, position.id]));

/** The last time a Date can hold (ms since 1970): a cursor beyond it would make an Invalid Date, which the store refuses. */
const MAX_TIME = 8.64e15;

const cursorShape = z.tuple([z.number().int().nonnegative().max(MAX_TIME), z.enum(['f', 't']), z.string().min(1).max(300)]);

function positionAfter(after: string): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeCursor(after));
  } catch {
    throw badInput('after is not a valid cursor', 'after');
  }
  const result = cursorShape.safeParse(parsed);
  if (!result.success) throw badInput('after is not a valid cursor', 'after');
  const [at, source, id] = result.data;
  return { at, source, id };
}

/** What of one source comes after `after` in the timeline's order (a store filter). */
function afterFilter(source: Position['source'], after: Position | undefined): Record<string, unknown> {
  if (!after) return {};
  const at = new Date(after.at);
  if (source === after.source) return { $or: [{ at: { $lt: at } }, { at, _id: { $lt: after.id } }] };
  // At the cursor's own time, field changes come after every line; lines before every field change.
  return { at: source === 'f' ? { $lte: at } : { $lt: at } };
}

/**
 * One page of the timeline of a record and of those merged into it (`ids`): the next `size`
 * nodes of each source after the cursor, both read newest first from their index, merged. Each
 * read has the page's size plus one as its limit, so the page is exact and the extra node says
 * whether there is a next one. No gap and no repeat between pages: the cursor is a position in a
 * total order, and each source is read strictly after it. `linesReadable` (a store filter) leaves
 * out the lines of deals and activities the reader may not read.
 */
export async function timelinePage(
  tenantId: string,
  entity: 'Company' | 'Contact',
  ids: string[],
  size: number,
  after: string | null | undefined,
  linesReadable: Record<string, unknown>,
): Promise<TimelineConnectionView> {
  const from = after ? positionAfter(after) : undefined;
  const record = { tenantId, entity, entityId: ids.length === 1 ? ids[0] : { $in: ids } };
  const lineConditions = [afterFilter('t', from), linesReadable].filter((part) => Object.keys(part).length > 0);
  const [changes, lines] = await Promise.all([
    FieldChangeModel.find({ ...record, ...afterFilter('f', from) }).sort({ at: -1, _id: -1 }).limit(size + 1).lean<FieldChangeDoc[]>(),
    TimelineEntryModel.find({ ...record, ...(lineConditions.length > 0 && { $and: lineConditions }) })
      .sort({ at: -1, _id: -1 })
      .limit(size + 1)
      .lean<TimelineEntryDoc[]>(),
  ]);
  const nodes = [...changes, ...lines]
    .map((node) => ({ node, position: positionOf(node) }))
    .sort((a, b) => compare(a.position, b.position));
  const edges = nodes.slice(0, size).map(({ node, position }) => ({ cursor: cursorOf(position), node }));
  return {
    edges,
    pageInfo: { hasNextPage: nodes.length > size, hasPreviousPage: Boolean(after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
