// What an operation costs: about how many values its answer can hold. A list multiplies the cost
// of what is selected under it by its size: the `first` argument (as sent, or the schema's
// default when left out or null), so
// `companies(first: 100) { edges { node { contacts(first: 100) { ... } } } }` costs
// 100 × 100 × its fields. Computed by graphql-query-complexity with this estimator.
import { getNullableType, GraphQLError, isListType, Kind, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/**
 * A list without a `first` argument is one whose size the data bounds: a pipeline's stages
 * (at most 30 by its input) or a funnel's. A connection's `edges` are counted by the
 * connection's own `first`.
 */
export const LIST_WITHOUT_FIRST_SIZE = 30;

const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  // Introspection's size is the schema's, not the caller's choice (and it is off in production).
  if (type.name.startsWith('__') || field.name.startsWith('__')) return 0;
  let size = 1;
  // `first: null` (or a variable sent as null) gets the subgraph's default page: the schema's default.
  const first = args.first ?? field.args.find((arg) => arg.name === 'first')?.defaultValue;
  if (typeof first === 'number') size = Math.max(first, 0);
  else if (isListType(getNullableType(field.type)) && !type.name.endsWith('Connection')) size = LIST_WITHOUT_FIRST_SIZE;
  return size * (1 + childComplexity);
};

/** graphql-query-complexity's error for an operation of more than 10,000 fields (fragments spread into each other multiply). */
export const isTooManyFieldsError = (error: unknown) => error instanceof GraphQLError && error.message === 'Query exceeds the maximum allowed number of nodes.';

export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined): number {
  return getComplexity({ schema, query: document, operationName, variables, estimators: [estimator] });
}

/**
 * The variables a cost can depend on: those given to a `first` argument or to @include/@skip.
 * An operation's cost is the same for every request with the same values of these, so it is
 * computed once for them.
 */
export function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node, _key, _parent, _path, ancestors) {
      const owner = ancestors.at(-1) as { kind?: string } | undefined;
      const counts = (owner?.kind === Kind.FIELD && node.name.value === 'first') || owner?.kind === Kind.DIRECTIVE;
      if (!counts) return;
      visit(node.value, { Variable: (variable) => void names.add(variable.name.value) });
    },
  });
  return [...names].sort();
}

