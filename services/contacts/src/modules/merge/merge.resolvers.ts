import { requireCan } from '@crm/policy';
import { isId } from '@crm/service-kit';
import type { ContactsContext } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { companyMerge } from './company-merge';
import { contactMerge } from './contact-merge';
import { MAX_MERGE_IDS, runMerge } from './run-merge';

/**
 * A merge updates the primary and deletes the others: each needs its right in the caller's scope
 * (checked before anything is written; malformed or unknown ids are left to runMerge's answers).
 */
async function requireMergeRights(object: 'company' | 'contact', request: { ids: readonly string[]; primaryId: string }, ctx: ContactsContext): Promise<void> {
  if (request.ids.length > MAX_MERGE_IDS) return;
  const loader = object === 'company' ? ctx.loaders.companyById : ctx.loaders.contactById;
  for (const id of new Set([request.primaryId, ...request.ids])) {
    if (!isId(id)) continue;
    const record = await loader.load(id);
    if (record) await requireCan(ctx, object, id === request.primaryId ? 'update' : 'delete', record);
  }
}

export const mergeResolvers: Resolvers = {
  Mutation: {
    mergeCompanies: async (_parent, request, ctx) => {
      await requireMergeRights('company', request, ctx);
      return runMerge(companyMerge, ctx, request);
    },
    mergeContacts: async (_parent, request, ctx) => {
      await requireMergeRights('contact', request, ctx);
      return runMerge(contactMerge, ctx, request);
    },
  },
  Company: {
    mergedIds: (company) => company.mergedIds ?? [],
  },
  Contact: {
    mergedIds: (contact) => contact.mergedIds ?? [],
  },
};
