import { hasRole } from '@crm/auth';
import { createEvent, eventMeta, operationKind, TimeNormsChanged } from '@crm/events';
import { updateWithEvents } from '@crm/messaging';
import { conflict, forbidden, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { TimeNormsModel, type TimeNormsDoc } from './time-norm.model';
import { fullTable, mergeNorms } from './time-norm.rules';

export const MAX_NORM_MINUTES = 10_080;

const normsInput = z.object({
  norms: z
    .array(z.object({ operation: operationKind, minutes: z.number().positive('minutes must be more than 0').max(MAX_NORM_MINUTES, `minutes is at most ${MAX_NORM_MINUTES}`) }))
    .min(1, 'give at least one norm')
    .max(operationKind.options.length)
    .refine((norms) => new Set(norms.map((norm) => norm.operation)).size === norms.length, 'an operation is given twice'),
});

const ownNorms = (tenantId: string) => TimeNormsModel.findOne({ _id: tenantId }).lean<TimeNormsDoc>();

export const timeNormResolvers: Resolvers = {
  Query: {
    timeNorms: async (_parent, _args, ctx) => fullTable((await ownNorms(ctx.tenantId))?.norms ?? []),
  },
  Mutation: {
    setTimeNorms: async (_parent, args, ctx) => {
      if (!hasRole(ctx.identity, 'admin', 'head_of_sales')) throw forbidden('only admins and heads of sales may set time norms');
      const { norms } = parseInput(normsInput, args);
      // The tenant's document exists from here on (an idempotent upsert), so the change below is one conditional update with its event.
      const current = await TimeNormsModel.findOneAndUpdate(
        { _id: ctx.tenantId },
        { $setOnInsert: { tenantId: ctx.tenantId, norms: [], revision: 0 } },
        { upsert: true, returnDocument: 'after' },
      ).lean<TimeNormsDoc>();
      const merged = mergeNorms(current?.norms ?? [], norms); // an empty array may not be stored on insert
      const table = fullTable(merged);
      const event = createEvent(TimeNormsChanged, eventMeta(ctx, ctx.tenantId), { norms: table.map(({ operation, minutes }) => ({ operation, minutes })) });
      const updated = await updateWithEvents(
        TimeNormsModel,
        { _id: ctx.tenantId, revision: current!.revision },
        { $set: { norms: merged }, $inc: { revision: 1 } },
        event,
      );
      if (!updated) throw conflict('the time norms changed meanwhile; read them again');
      return table;
    },
  },
};
