import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Refuses a number literal beyond the double range (`1e309`) in an operation. Int and Float
 * refuse it already, but a custom scalar (DateTime) takes it as Infinity, which the query
 * planner cannot write into the subgraph operation: an internal error instead of bad input.
 */
export const finiteNumberLiterals: ValidationRule = (context) => ({
  FloatValue(node) {
    if (!Number.isFinite(Number(node.value))) context.reportError(new GraphQLError(`number ${node.value} is out of range`, { nodes: node }));
  },
  IntValue(node) {
    if (!Number.isFinite(Number(node.value))) context.reportError(new GraphQLError(`number ${node.value} is out of range`, { nodes: node }));
  },
});

/** The path of the first number in a variable's value that is not finite (JSON `1e309` parses to Infinity). */
function nonFinitePath(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nonFinitePath(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = nonFinitePath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The same for variables: a custom scalar (DateTime) takes Infinity as it comes, and the gateway
 * would send it to the subgraph as null (JSON has no Infinity), silently for a nullable argument
 * and as an internal error for a required one. Refused as bad input before planning.
 */
export const finiteNumberVariables = <T extends BaseContext>(): ApolloServerPlugin<T> => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ request }) {
        for (const [name, value] of Object.entries(request.variables ?? {})) {
          const path = nonFinitePath(value, `$${name}`);
          if (path) throw new GraphQLError(`number at ${path} is out of range`, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
        }
      },
    };
  },
});
