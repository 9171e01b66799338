import { hasRole } from '@crm/auth';
import { isDuplicateKey } from '@crm/messaging';
import { badInput, conflict, forbidden, isId, listSize, notFound, parseInput, requireId, type ListBound } from '@crm/service-kit';
import type { Resolvers } from '../../generated/graphql';
import type { ContactsContext } from '../../context';
import { nameKey } from '../shared/name-key';
import { createTerritorySchema, updateTerritorySchema } from './territory.input';
import { PARENT_KIND, TerritoryModel, type TerritoryDoc } from './territory.model';

/** `territories` and `Territory.children`: as in territory.graphql. */
export const TERRITORY_LIST: ListBound = { default: 50, max: 200 };

const mayManage = (ctx: ContactsContext) => {
  if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may manage territories');
};

async function codeTaken(error: unknown, code: string, ctx: ContactsContext): Promise<never> {
  if (!isDuplicateKey(error)) throw error;
  const existing = await TerritoryModel.findOne({ tenantId: ctx.tenantId, code }).select({ _id: 1 }).lean<Pick<TerritoryDoc, '_id'>>().exec();
  throw conflict(`a territory with code ${code} exists`, { existingId: existing?._id.toString() });
}

const childrenOf = (tenantId: string, parentId: string | null, first: number | null | undefined) =>
  TerritoryModel.find({ tenantId, parentId }).sort({ nameKey: 1, _id: 1 }).limit(listSize(first, TERRITORY_LIST)).lean<TerritoryDoc[]>().exec();

export const territoryResolvers: Resolvers = {
  Query: {
    territories: (_parent, { parentId, first }, ctx) => childrenOf(ctx.tenantId, parentId ? requireId(parentId, 'parentId') : null, first),
    territory: (_parent, { id }, ctx) => ctx.loaders.territoryById.load(requireId(id, 'id')),
  },
  Mutation: {
    createTerritory: async (_parent, { input }, ctx) => {
      mayManage(ctx);
      const fields = parseInput(createTerritorySchema, input);
      const parentKind = PARENT_KIND[fields.kind];
      let ancestorIds: string[] = [];
      if (parentKind === null && fields.parentId) throw badInput('a country has no parent', 'input.parentId');
      if (parentKind !== null) {
        if (!fields.parentId) throw badInput(`a ${fields.kind.toLowerCase()} needs a parent ${parentKind.toLowerCase()}`, 'input.parentId');
        const parent = await ctx.loaders.territoryById.load(fields.parentId);
        if (!parent) throw badInput(`territory ${fields.parentId} not found`, 'input.parentId');
        if (parent.kind !== parentKind) throw badInput(`a ${fields.kind.toLowerCase()}'s parent must be a ${parentKind.toLowerCase()}, not a ${parent.kind.toLowerCase()}`, 'input.parentId');
        ancestorIds = [...parent.ancestorIds, parent._id.toString()];
      }
      try {
        const created = await TerritoryModel.create({ tenantId: ctx.tenantId, ...fields, nameKey: nameKey(fields.name), ancestorIds });
        return created.toObject() as TerritoryDoc;
      } catch (error) {
        return codeTaken(error, fields.code, ctx);
      }
    },
    updateTerritory: async (_parent, { id, input }, ctx) => {
      mayManage(ctx);
      const fields = parseInput(updateTerritorySchema, input);
      const set: Partial<TerritoryDoc> = { ...fields, ...(fields.name && { nameKey: nameKey(fields.name) }) };
      if (Object.values(set).every((value) => value === undefined)) {
        const current = await ctx.loaders.territoryById.load(requireId(id, 'id'));
        if (!current) throw notFound('Territory', id);
        return current;
      }
      try {
        const updated = await TerritoryModel.findOneAndUpdate({ _id: requireId(id, 'id'), tenantId: ctx.tenantId }, { $set: set }, { returnDocument: 'after' }).lean<TerritoryDoc>().exec();
        if (!updated) throw notFound('Territory', id);
        return updated;
      } catch (error) {
        return codeTaken(error, fields.code ?? '', ctx);
      }
    },
  },
  Territory: {
    __resolveReference: (reference, ctx) => ctx.loaders.territoryById.load(reference.id),
    id: (territory) => territory._id.toString(),
    parent: (territory, _args, ctx) => (territory.parentId ? ctx.loaders.territoryById.load(territory.parentId) : null),
    children: (territory, { first }, ctx) => childrenOf(ctx.tenantId, territory._id.toString(), first),
    path: async (territory, _args, ctx) => {
      const ancestors = await ctx.loaders.territoryById.loadMany(territory.ancestorIds);
      return [...ancestors.filter((ancestor): ancestor is TerritoryDoc => Boolean(ancestor) && !(ancestor instanceof Error)), territory];
    },
  },
  Company: {
    territory: (company, _args, ctx) => (isId(company.territoryId) ? ctx.loaders.territoryById.load(company.territoryId) : null),
  },
};
