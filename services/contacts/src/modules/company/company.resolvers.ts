import { decodeCursor, pageSize, parseInput, requireId, toConnection } from '@crm/service-kit';
import { Types } from 'mongoose';
import type { Resolvers } from '../../generated/graphql';
import { companyCreated } from './company.events';
import { createCompanyInput } from './company.input';
import { CompanyModel, type CompanyDoc } from './company.model';

export const companyResolvers: Resolvers = {
  Query: {
    company: (_parent, { id }, ctx) => ctx.loaders.companyById.load(id),
    companies: async (_parent, { first, after }, ctx) => {
      const size = pageSize(first);
      const filter: Record<string, unknown> = { tenantId: ctx.tenantId };
      if (after) filter._id = { $lt: new Types.ObjectId(requireId(decodeCursor(after), 'after')) };
      const rows = await CompanyModel.find(filter).sort({ _id: -1 }).limit(size + 1).lean<CompanyDoc[]>();
      return toConnection(rows, size, () => CompanyModel.countDocuments({ tenantId: ctx.tenantId }).exec(), Boolean(after));
    },
  },
  Mutation: {
    createCompany: async (_parent, { input }, ctx) => {
      const fields = parseInput(createCompanyInput, input);
      const company = new CompanyModel({ ...fields, ownerId: fields.ownerId ?? ctx.userId, tenantId: ctx.tenantId });
      company.outbox = [companyCreated(company, ctx)];
      await company.save();
      ctx.relay.kick();
      return company.toObject();
    },
  },
  CompanyConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
  Company: {
    __resolveReference: (reference, ctx) => ctx.loaders.companyById.load(reference.id),
    id: (company) => company._id.toString(),
    contacts: (company, _args, ctx) => ctx.loaders.contactsByCompany.load(company._id.toString()),
  },
};
