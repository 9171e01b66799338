import { dayOf } from '@crm/messaging';
import { requireRowFilter } from '@crm/policy';
import { parseInput } from '@crm/service-kit';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { companyFields } from '../company-list/company-fields';
import { compileFilter } from '../list-filter/compile-filter';
import { ExportModel } from './export.model';

const exportInput = z.object({ format: z.enum(['CSV', 'XLSX']) });

export const exportResolvers = (ttlHours: number): Resolvers => ({
  Mutation: {
    exportCompanies: async (_parent, args, ctx) => {
      const { format } = parseInput(exportInput, args);
      await requireRowFilter(ctx, 'company', 'export');
      // Checked now (a bad filter, or one on a field the caller may not read, is refused at once);
      // kept as the client gave it and compiled again at download time, for the one downloading,
      // so the stored document never holds store operators.
      compileFilter(args.filter, companyFields, 'filter', await ctx.access());
      const filter = args.filter ?? null;
      const now = new Date();
      const created = await ExportModel.create({
        _id: new Types.ObjectId(),
        tenantId: ctx.tenantId,
        userId: ctx.userId,
        format,
        filter,
        expiresAt: new Date(now.getTime() + ttlHours * 3_600_000),
        day: dayOf(now),
      });
      return { url: `/downloads/${String(created._id)}`, expiresAt: created.expiresAt, format };
    },
  },
});
