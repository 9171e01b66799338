// Abuse limits on every operation, before anything reaches a subgraph. The token limit is a
// parser option (server.ts: a document over it is never parsed whole); the others are checked
// here once per document and remembered with it (Apollo keeps parsed documents in its document
// store, so a known document costs a WeakMap look-up); only the cost may depend on variables,
// and it is remembered per value of the variables it depends on.
import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { ErrorCode } from '@crm/service-kit';
import { GraphQLError, Kind, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import { costVariables, isTooManyFieldsError, operationCost } from './operation-cost';

export interface OperationLimits {
  /** Nesting of fields (a root field is at depth 1; fragments add no level). */
  maxDepth: number;
  /** Aliased fields in one operation (`__typename` aliases excepted). */
  maxAliases: number;
  /** Directives in one operation. */
  maxDirectives: number;
  /** Lexical tokens in one document: the parser stops there. */
  maxTokens: number;
  /** The operation's cost (operation-cost.ts). */
  maxCost: number;
  /** Root fields of one mutation operation, aliased or not: each is a write. */
  maxMutations: number;
}

export type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost' | 'mutations';

export const tooComplex = (message: string, limit: LimitName, max: number) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max, http: { status: 400 } } });

/** Root fields of a mutation, through fragments. */
function rootFieldCount(selectionSet: SelectionSetNode, context: ValidationContext, seen = new Set<string>()): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += selection.name.value === '__typename' ? 0 : 1;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += rootFieldCount(selection.selectionSet, context, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += rootFieldCount(fragment.selectionSet, context, seen);
    }
  }
  return count;
}

const maxMutationsRule =
  (max: number): ValidationRule =>
  (context) => ({
    OperationDefinition(operation) {
      if (operation.operation !== 'mutation') return;
      const count = rootFieldCount(operation.selectionSet, context);
      if (count > max) context.reportError(tooComplex(`Mutation limit of ${max} per request exceeded, found ${count}.`, 'mutations', max));
    },
  });

/** armor's rules, reporting our error (armor prefixes its messages with "Syntax Error: "). */
function armorRules(limits: OperationLimits): ValidationRule[] {
  const reject = (limit: LimitName, max: number) => ({
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, ''), limit, max))],
  });
  return [
    // Depth of the answer: a fragment, spread or inline, adds no level of its own.
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ...reject('depth', limits.maxDepth) }),
    maxAliasesRule({ n: limits.maxAliases, ...reject('aliases', limits.maxAliases) }),
    maxDirectivesRule({ n: limits.maxDirectives, ...reject('directives', limits.maxDirectives) }),
  ];
}

interface DocumentVerdict {
  /** The first limit the document breaks, whatever the variables. */
  error?: GraphQLError;
  /** Variables the cost depends on. */
  costVariables: string[];
  /** Cost per operation name and values of costVariables. */
  costs: Map<string, number>;
}

/** Kept per document; a document sent with ever new `first` values keeps at most this many. */
const COSTS_PER_DOCUMENT = 64;

export function operationLimitsPlugin<TContext extends object>(limits: OperationLimits): ApolloServerPlugin<TContext> {
  const rules = [...armorRules(limits), maxMutationsRule(limits.maxMutations)];
  const verdicts = new WeakMap<DocumentNode, DocumentVerdict>();

  const verdictOf = (schema: GraphQLSchema, document: DocumentNode) => {
    let verdict = verdicts.get(document);
    if (!verdict) {
      const [error] = validate(schema, document, rules);
      verdict = { error, costVariables: costVariables(document), costs: new Map() };
      verdicts.set(document, verdict);
    }
    return verdict;
  };

  /** The operation's cost, or undefined when its variables are not valid values (no cost). */
  const costOf = (verdict: DocumentVerdict, schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined) => {
    // A variable left out (its default applies) and one sent as null cost differently: [] and [null].
    const key = JSON.stringify([operationName ?? null, ...verdict.costVariables.map((name) => (variables && Object.hasOwn(variables, name) ? [variables[name]] : []))]);
    let cost = verdict.costs.get(key);
    if (cost === undefined) {
      try {
        cost = operationCost(schema, document, operationName, variables);
      } catch (error) {
        // Invalid variable values make graphql-query-complexity throw too: no verdict, nothing
        // remembered, and Apollo's own check of the variables refuses them (BAD_USER_INPUT).
        if (!isTooManyFieldsError(error)) return undefined;
        // It stops at 10,000 fields: more than any limit.
        cost = Number.POSITIVE_INFINITY;
      }
      if (verdict.costs.size >= COSTS_PER_DOCUMENT) verdict.costs.clear();
      verdict.costs.set(key, cost);
    }
    return cost;
  };

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, request }) {
          const verdict = verdictOf(schema, document);
          if (verdict.error) throw verdict.error;
          const cost = costOf(verdict, schema, document, request.operationName ?? undefined, request.variables);
          if (cost !== undefined && cost > limits.maxCost) {
            throw tooComplex(`Query cost limit of ${limits.maxCost} exceeded, found ${Number.isFinite(cost) ? cost : 'more than 10000 fields'}.`, 'cost', limits.maxCost);
          }
        },
      };
    },
  };
}

/** graphql-js stops parsing at the token limit with a syntax error: this tells it from any other. */
export const isTokenLimitError = (message: string) => /^Syntax Error: Document contains more th(?:at|an) \d+ tokens\./.test(message);

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** Answers the parser's token-limit error with the same code as every other limit. */
export const limitErrorFormatter =
  (maxTokens: number, format: FormatError): FormatError =>
  (formatted, error) =>
    format(
      formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' && isTokenLimitError(formatted.message)
        ? { message: `Token limit of ${maxTokens} exceeded.`, extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit: 'tokens', max: maxTokens } }
        : formatted,
      error,
    );
