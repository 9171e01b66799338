import { guardField, type HasAccess } from '@crm/policy';

/**
 * A money figure made of deals' amounts, behind the field right of `Deal.amount`.
 *
 * The deals service answers a role denied `Deal.amount` null with FORBIDDEN on the path
 * (`guardField`). A sum of amounts gives them away as well: a row per owner, per company or per
 * campaign is often one deal, and a total minus the rows shown is the rest. So every analytics
 * figure summing deals' amounts resolves through the same check (`guardField`, the caller's
 * denied fields from `@crm/policy`, no mechanism of its own): null with FORBIDDEN on its own
 * path, the counts, conversions and deal numbers beside it intact. The money fields are nullable
 * in the schema for this, as `Deal.amount` is.
 *
 * `guarded` (default: always) says whether the parent's value is deal money at all: ABC revenue
 * from ERP payments is not (the deals service guards no payment or purchase amount).
 */
export function dealMoney<P, R, C extends HasAccess = HasAccess>(read: (parent: P) => R, guarded: (parent: P) => boolean = () => true) {
  const checked = guardField<P, R, C>('Deal', 'amount', read);
  return async (parent: P, args: unknown, ctx: C): Promise<Awaited<R>> => (guarded(parent) ? checked(parent, args, ctx) : await read(parent));
}
