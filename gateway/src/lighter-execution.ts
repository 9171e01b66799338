// @apollo/gateway executes every request the same way; two of its steps allocated two thirds of
// all the gateway allocated under load (a sampling heap profile of the distinct-variables
// bench). Both are replaced here, inside Apollo's own execution, by equivalents:
// - executeQueryPlan rebuilt the operation from the document on every request (15% of the
//   bytes). The document is Apollo Server's parsed and validated one, cached per query text, so
//   the operation built from it is reused while that document lives;
// - computeResponse, the result shaping, was half of the bytes: result-shaping.ts gives the same
//   answer and errors with a fraction of them.
// The query planner, the plans and everything else stay Apollo's. The test
// lighter-execution.test.ts fails if an upgrade of @apollo/gateway moves either step.
import type { Operation, Schema } from '@apollo/federation-internals';
import type { DefinitionNode, DocumentNode } from 'graphql';
import { computeResponse } from './result-shaping';

type OperationFromDocument = (schema: Schema, document: DocumentNode, options?: { operationName?: string; validate?: boolean }) => Operation;

/* eslint-disable @typescript-eslint/no-require-imports -- the modules whose exports Apollo's execution reads at each call */
const operations = require('@apollo/federation-internals/dist/operations') as { operationFromDocument: OperationFromDocument };
const resultShaping = require('@apollo/gateway/dist/resultShaping') as { computeResponse: unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

const apolloOperationFromDocument = operations.operationFromDocument;
const apolloComputeResponse = resultShaping.computeResponse;

/** Per schema and operation node: the operation built from it, with the definitions it was built from. */
const built = new WeakMap<Schema, WeakMap<DefinitionNode, { definitions: readonly DefinitionNode[]; operation: Operation }>>();

const sameDefinitions = (a: readonly DefinitionNode[], b: readonly DefinitionNode[]) => a.length === b.length && a.every((definition, index) => definition === b[index]);

/**
 * Only executeQueryPlan asks for an operation without validation (the document was validated by
 * then), from the same definition nodes for every request of one cached document: that is what
 * is reused. Anything else goes to Apollo's function as before.
 */
const operationFromDocument: OperationFromDocument = (schema, document, options) => {
  const first = document.definitions[0];
  if (options?.validate !== false || options.operationName !== undefined || !first) return apolloOperationFromDocument(schema, document, options);
  let bySchema = built.get(schema);
  const hit = bySchema?.get(first);
  if (hit && sameDefinitions(hit.definitions, document.definitions)) return hit.operation;
  const operation = apolloOperationFromDocument(schema, document, options);
  if (!bySchema) built.set(schema, (bySchema = new WeakMap()));
  bySchema.set(first, { definitions: [...document.definitions], operation });
  return operation;
};

/** Puts both in place; idempotent. Call before the gateway executes its first request. */
export function installLighterExecution(): void {
  operations.operationFromDocument = operationFromDocument;
  resultShaping.computeResponse = computeResponse;
}

/** Apollo's own functions, for the tests that compare them with ours. */
export const apolloOriginals = { operationFromDocument: apolloOperationFromDocument, computeResponse: apolloComputeResponse };
