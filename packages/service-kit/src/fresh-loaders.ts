import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';

interface Clearable {
  clearAll(): unknown;
}

const isClearable = (value: unknown): value is Clearable => typeof (value as Clearable | undefined)?.clearAll === 'function';

function clearLoaders(context: unknown): void {
  const loaders = (context as { loaders?: Record<string, unknown> } | undefined)?.loaders;
  for (const loader of Object.values(loaders ?? {})) if (isClearable(loader)) loader.clearAll();
}

type Resolve = (parent: unknown, args: unknown, context: unknown, info: unknown) => unknown;

/**
 * A request's DataLoaders cache what they read, and a mutation changes it: after each root
 * mutation field resolves, every loader in the context (`context.loaders`) is cleared, so the
 * next field of the same request reads what is stored now. Root mutation fields run one after
 * the other, so in `a: moveDealToStage(D, S2) b: moveDealToStage(D, S1)` b sees S2. Wrapping
 * the Mutation resolvers leaves queries as they were (a per-field Apollo hook would not).
 */
export function withFreshLoadersAfterMutations(resolvers: GraphQLResolverMap<unknown>): GraphQLResolverMap<unknown> {
  const mutation = resolvers.Mutation as Record<string, unknown> | undefined;
  if (!mutation) return resolvers;
  const wrapped = Object.fromEntries(
    Object.entries(mutation).map(([field, resolve]) => [
      field,
      typeof resolve === 'function'
        ? async (parent: unknown, args: unknown, context: unknown, info: unknown) => {
            try {
              return await (resolve as Resolve)(parent, args, context, info);
            } finally {
              clearLoaders(context);
            }
          }
        : resolve,
    ]),
  );
  return { ...resolvers, Mutation: wrapped } as GraphQLResolverMap<unknown>;
}
