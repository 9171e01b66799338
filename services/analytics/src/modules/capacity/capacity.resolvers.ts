import { operationKind } from '@crm/events';
import { badInput, failedPrecondition, parseInput } from '@crm/service-kit';
import { z } from 'zod';
import type { Resolvers } from '../../generated/graphql';
import { AbcAnalysisModel } from '../abc/abc.models';
import { capacityPlan, prospectCapacityPlan, type AbcClassName } from './capacity.math';
import { timeNormsOf } from './time-norms';

const abcClass = z.enum(['A', 'B', 'C']);
const times = z.number().min(0, 'must be at least 0').max(100_000, 'must be at most 100000');
const sellingHours = z.number().min(1, 'must be at least 1').max(8760, 'must be at most 8760 (the hours of a year)');

/** At most one entry per key: a plan naming an operation (or a class) twice is a mistake, not a sum. */
const unique = <T>(key: (item: T) => string, what: string) => (items: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(key(item))) ctx.addIssue({ code: 'custom', message: `${what} ${key(item)} is given twice`, path: [index] });
    seen.add(key(item));
  });
};

const operations = z
  .array(z.object({ operation: operationKind, perYear: times }))
  .max(12)
  .superRefine(unique((item) => item.operation, 'operation'));

const capacityInput = z.object({
  input: z.object({
    contactPlan: z
      .array(z.object({ abcClass, operations }))
      .max(3)
      .superRefine(unique((item) => item.abcClass, 'class')),
    clientCounts: z
      .array(z.object({ abcClass, count: z.number().int().min(0).max(10_000_000) }))
      .max(3)
      .superRefine(unique((item) => item.abcClass, 'class'))
      .nullish(),
    sellingHoursPerManagerYear: sellingHours,
  }),
});

const prospectInput = z.object({
  input: z.object({
    prospects: z.number().int().min(0).max(10_000_000),
    months: z.number().min(0.01, 'must be at least 0.01').max(120, 'must be at most 120'),
    operationsPerProspect: z
      .array(z.object({ operation: operationKind, count: times }))
      .max(12)
      .superRefine(unique((item) => item.operation, 'operation')),
    sellingHoursPerManagerYear: sellingHours,
  }),
});

/** Clients per class as given, or else as the latest stored ABC analysis counted them. */
async function clientCountsOf(tenantId: string, given: { abcClass: AbcClassName; count: number }[] | null | undefined) {
  if (given) return Object.fromEntries(given.map(({ abcClass: name, count }) => [name, count])) as Partial<Record<AbcClassName, number>>;
  const latest = await AbcAnalysisModel.findOne({ _id: tenantId, tenantId }).lean();
  if (!latest) throw failedPrecondition('no ABC analysis is stored yet: give clientCounts, or run runAbcAnalysis first', ['clientCounts']);
  return latest.counts;
}

/** GraphQL's Int is 32 bits: a plan needing more managers than that is refused, not failed. */
function countable<T extends { managersExact: number; managersNeeded: number }>(plan: T): T {
  if (!Number.isFinite(plan.managersExact) || plan.managersNeeded > 2_147_483_647) throw badInput('the plan needs more managers than can be counted: lower the volumes', 'input');
  return plan;
}

export const capacityResolvers: Resolvers = {
  Query: {
    capacityPlan: async (_parent, args, ctx) => {
      const { input } = parseInput(capacityInput, args);
      const [norms, counts] = await Promise.all([timeNormsOf(ctx.tenantId), clientCountsOf(ctx.tenantId, input.clientCounts)]);
      const plans = input.contactPlan.map((plan) => ({ abcClass: plan.abcClass, operations: plan.operations.map(({ operation, perYear }) => ({ operation, times: perYear })) }));
      return countable(capacityPlan(plans, counts, input.sellingHoursPerManagerYear, norms));
    },
    prospectCapacityPlan: async (_parent, args, ctx) => {
      const { input } = parseInput(prospectInput, args);
      const norms = await timeNormsOf(ctx.tenantId);
      const operationsOf = input.operationsPerProspect.map(({ operation, count }) => ({ operation, times: count }));
      return countable(prospectCapacityPlan(input.prospects, input.months, operationsOf, input.sellingHoursPerManagerYear, norms));
    },
  },
};
