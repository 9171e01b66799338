import { hasRole } from '@crm/auth';
import { createEvent, eventMeta, SegmentChanged } from '@crm/events';
import { insertWithEvents, isDuplicateKey, updateWithEvents } from '@crm/messaging';
import { badInput, conflict, forbidden, isId, notFound, requireId, requireUserId } from '@crm/service-kit';
import { canAssignTo, requireRowFilter } from '@crm/policy';
import type { Resolvers } from '../../generated/graphql';
import type { ContactsContext } from '../../context';
import { companyFields, companyOrderFields } from '../company-list/company-fields';
import { CompanyModel } from '../company/company.model';
import { compileFilter, type FilterInput } from '../list-filter/compile-filter';
import { listPage } from '../list-filter/list-page';
import { ListOrder } from '../list-filter/order';
import { allOf } from '../list-filter/store-filter';
import { assignSegment } from './assign-segment';
import { SegmentAssignmentModel, type SegmentAssignmentDoc } from './segment-assignment.model';
import { LIVE, SegmentModel, tombstoneName, type SegmentDoc } from './segment.model';

const MAX_NAME = 200;

function segmentName(name: string, field: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME) throw badInput(`${field} must be 1 to ${MAX_NAME} characters`, field);
  return trimmed;
}

/** Checks the filter as a list would run it for the caller, then keeps it as plain JSON (without absent keys). */
async function savedFilter(filter: FilterInput, field: string, ctx: ContactsContext): Promise<FilterInput> {
  compileFilter(filter, companyFields, field, await ctx.access());
  return JSON.parse(JSON.stringify(filter));
}

const findSegment = (id: string, ctx: ContactsContext) => SegmentModel.findOne({ _id: requireId(id, 'id'), tenantId: ctx.tenantId, ...LIVE }).lean<SegmentDoc>().exec();

const segmentChanged = (ctx: ContactsContext, segment: Pick<SegmentDoc, '_id' | 'name' | 'filter'>, change: 'CREATED' | 'UPDATED' | 'DELETED') =>
  createEvent(SegmentChanged, eventMeta(ctx, segment._id.toString()), {
    segmentId: segment._id.toString(),
    change,
    name: segment.name,
    filter: change === 'DELETED' ? null : (segment.filter as Record<string, unknown>),
  });

async function nameTaken(error: unknown, name: string, ctx: ContactsContext): Promise<never> {
  if (!isDuplicateKey(error)) throw error;
  const existing = await SegmentModel.findOne({ tenantId: ctx.tenantId, name }).select({ _id: 1 }).lean<Pick<SegmentDoc, '_id'>>().exec();
  throw conflict(`a segment named "${name}" exists`, { existingId: existing?._id.toString() });
}

/** A segment's filter for its reader: one on a field their role may not read is FORBIDDEN (its matches would tell the values). */
const segmentCompanies = async (segment: SegmentDoc, ctx: ContactsContext) => allOf([{ tenantId: ctx.tenantId }, compileFilter(segment.filter, companyFields, 'filter', await ctx.access())]);

export const segmentResolvers: Resolvers = {
  Query: {
    segments: (_parent, { first, after }, ctx) => listPage(SegmentModel, { tenantId: ctx.tenantId, filter: LIVE, order: ListOrder.of(null, {}), first, after }),
    segment: (_parent, { id }, ctx) => findSegment(id, ctx),
    segmentAssignment: (_parent, { id }, ctx) =>
      SegmentAssignmentModel.findOne({ _id: requireId(id, 'id'), tenantId: ctx.tenantId }).lean<SegmentAssignmentDoc>().exec(),
  },
  Mutation: {
    createSegment: async (_parent, { input }, ctx) => {
      const name = segmentName(input.name, 'input.name');
      const filter = await savedFilter(input.filter as FilterInput, 'input.filter', ctx);
      try {
        return await insertWithEvents(SegmentModel, { tenantId: ctx.tenantId, name, entity: input.entity ?? 'COMPANY', filter, createdBy: ctx.userId }, (doc) => segmentChanged(ctx, doc, 'CREATED'));
      } catch (error) {
        return nameTaken(error, name, ctx);
      }
    },
    updateSegment: async (_parent, { id, input }, ctx) => {
      const set: Partial<SegmentDoc> = {};
      if (input.name != null) set.name = segmentName(input.name, 'input.name');
      if (input.filter != null) set.filter = await savedFilter(input.filter as FilterInput, 'input.filter', ctx);
      const before = await findSegment(id, ctx);
      if (!before) throw notFound('Segment', id);
      try {
        // Conditional on what was read: the event carries the segment as this write leaves it.
        const updated = await updateWithEvents(
          SegmentModel,
          { _id: before._id, tenantId: ctx.tenantId, ...LIVE, name: before.name, updatedAt: before.updatedAt },
          { $set: set },
          segmentChanged(ctx, { ...before, ...set }, 'UPDATED'),
        );
        if (!updated) throw conflict('the segment was changed or deleted meanwhile; read it again', { existingId: id });
        return updated as SegmentDoc;
      } catch (error) {
        return nameTaken(error, set.name ?? '', ctx);
      }
    },
    deleteSegment: async (_parent, { id }, ctx) => {
      const segment = await findSegment(id, ctx);
      if (!segment) throw notFound('Segment', id);
      const deleted = await updateWithEvents(
        SegmentModel,
        { _id: segment._id, tenantId: ctx.tenantId, ...LIVE },
        { $set: { deletedAt: new Date(), name: tombstoneName(segment) } },
        segmentChanged(ctx, segment, 'DELETED'),
      );
      if (!deleted) throw notFound('Segment', id);
      return id;
    },
    assignSegment: async (_parent, { segmentId, ownerId }, ctx) => {
      if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may assign a segment');
      const owner = requireUserId(ownerId.trim(), 'ownerId');
      // Each company given is an owner change, authorized as updateCompany's (authorizeChange): the
      // company in the caller's update and assign scopes (row filters, in every read and write of
      // the run), the new owner someone they may give records to.
      const assignable = allOf([await requireRowFilter(ctx, 'company', 'update'), await requireRowFilter(ctx, 'company', 'assign')]);
      if (!canAssignTo(await ctx.access(), 'company', owner)) throw forbidden(`you may not give companies to ${owner}`);
      const segment = await SegmentModel.findOne({ _id: requireId(segmentId, 'segmentId'), tenantId: ctx.tenantId, ...LIVE }).lean<SegmentDoc>().exec();
      if (!segment) throw notFound('Segment', segmentId);
      return assignSegment(segment, owner, ctx, assignable);
    },
  },
  Segment: {
    id: (segment) => segment._id.toString(),
    // The segment's companies as far as the reader may see them (their row scope in the store query).
    count: async (segment, _args, ctx) => CompanyModel.countDocuments(allOf([await segmentCompanies(segment, ctx), await requireRowFilter(ctx, 'company')])).exec(),
    companies: async (segment, { orderBy, first, after }, ctx) =>
      listPage(CompanyModel, {
        tenantId: ctx.tenantId,
        filter: allOf([await segmentCompanies(segment, ctx), await requireRowFilter(ctx, 'company')]),
        order: ListOrder.of(orderBy, companyOrderFields, await ctx.access()),
        first,
        after,
      }),
  },
  SegmentConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
  SegmentAssignment: {
    id: (job) => job._id.toString(),
    segmentId: (job) => job.segmentId.toString(),
    segment: (job, _args, ctx) => (isId(job.segmentId.toString()) ? SegmentModel.findOne({ _id: job.segmentId, tenantId: ctx.tenantId, ...LIVE }).lean<SegmentDoc>().exec() : null),
  },
};
