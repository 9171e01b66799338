// The gateway's last step: from the merged subgraph answers to the client's answer, exactly as
// @apollo/gateway's computeResponse does it (same data, same errors, same order), with far fewer
// allocations. Apollo's walk allocated an argument object, a result object and several closures
// for every field of every entity, and looked up @skip/@include on every visit: under load that
// was half of everything the gateway allocated, and a quarter of its CPU went to the garbage
// collector. Here each selection set is read once into a list of steps (kept while the
// operation is, see execution-caches.ts) and the walk passes plain arguments.
import {
  ERRORS,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  Variable,
  type CompositeType,
  type Operation,
  type OutputType,
  type Schema,
  type Selection,
  type SelectionSet,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';

/** An @skip/@include condition: a literal, or the name of the variable that holds it. */
type Condition = boolean | { variable: string } | undefined;

interface FieldStep {
  kind: 'field';
  skip: Condition;
  include: Condition;
  responseName: string;
  type: OutputType;
  selectionSet: SelectionSet | undefined;
  typename: boolean;
  introspection: boolean;
  selection: Selection;
}

interface FragmentStep {
  kind: 'fragment';
  skip: Condition;
  include: Condition;
  typeCondition: CompositeType | undefined;
  selectionSet: SelectionSet;
}

type Step = FieldStep | FragmentStep;

const conditionOf = (directive: { arguments(): { if: boolean | Variable } } | undefined): Condition => {
  if (!directive) return undefined;
  const value = directive.arguments().if;
  return value instanceof Variable ? { variable: value.name } : value;
};

const stepsBySelectionSet = new WeakMap<SelectionSet, Step[]>();

function stepsOf(selectionSet: SelectionSet, schema: Schema): Step[] {
  let steps = stepsBySelectionSet.get(selectionSet);
  if (steps) return steps;
  steps = selectionSet.selections().map((selection): Step => {
    const skip = conditionOf(selection.element.appliedDirectivesOf(schema.skipDirective())[0]);
    const include = conditionOf(selection.element.appliedDirectivesOf(schema.includeDirective())[0]);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      return {
        kind: 'field',
        skip,
        include,
        responseName: field.responseName(),
        type: field.definition.type!,
        selectionSet: selection.selectionSet,
        typename: field.name === typenameFieldName,
        introspection: field.definition.isSchemaIntrospectionField(),
        selection,
      };
    }
    return { kind: 'fragment', skip, include, typeCondition: selection.element.typeCondition, selectionSet: selection.selectionSet };
  });
  stepsBySelectionSet.set(selectionSet, steps);
  return steps;
}

/** Apollo's assert: an Error with the message, built only when it fails. */
function fail(message: string): never {
  throw new Error(message);
}

interface Walk {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspectionHandling: (selection: Selection) => unknown;
  /** What the last shape() call reports besides its value. */
  invalid: boolean;
  hasErrors: boolean;
}

function conditionValue(condition: Condition, variables: Record<string, unknown>, directive: string): boolean {
  if (typeof condition !== 'object') return condition === true;
  const value = variables[condition.variable];
  if (value === undefined || typeof value !== 'boolean') fail(`Unexpected value ${String(value)} for variable $${condition.variable} of @${directive}`);
  return value;
}

const skipped = (step: Step, variables: Record<string, unknown>) =>
  (step.skip !== undefined && conditionValue(step.skip, variables, 'skip')) || (step.include !== undefined && !conditionValue(step.include, variables, 'include'));

function describeLast(path: (string | number)[], type: OutputType, parentType: CompositeType): string {
  const element = path[path.length - 1];
  if (element === undefined) fail('Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${type} at index ${element}`;
}

/** Fills `output` from `input` for a selection set; false when a null must bubble up to the parent. */
function applySelectionSet(walk: Walk, input: Record<string, unknown>, selectionSet: SelectionSet, output: Record<string, unknown>, path: (string | number)[], parentType: CompositeType): boolean {
  for (const step of stepsOf(selectionSet, walk.schema)) {
    if ((step.skip !== undefined || step.include !== undefined) && skipped(step, walk.variables)) continue;
    if (step.kind === 'fragment') {
      const typename = input[typenameFieldName];
      if (typename && typeof typename !== 'string') fail(`Got unexpected value for __typename: ${String(typename)}`);
      if (step.typeCondition && !typeConditionApplies(walk.schema, step.typeCondition, typename as string | undefined, parentType)) continue;
      if (!applySelectionSet(walk, input, step.selectionSet, output, path, step.typeCondition ?? parentType)) return false;
      continue;
    }
    const { responseName } = step;
    const outputValue = output[responseName];
    if (step.introspection) {
      if (outputValue === undefined) output[responseName] = walk.introspectionHandling(step.selection);
      continue;
    }
    let inputValue = (Object.hasOwn(input, responseName) ? input[responseName] : undefined) ?? null;
    if (step.typename) {
      if (outputValue === undefined) {
        if (inputValue === null && responseName !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
        const type = typeof inputValue === 'string' ? (walk.schema.type(inputValue) ?? parentType) : parentType;
        if (!isObjectType(type)) return false;
        output[responseName] = type.name;
      }
      continue;
    }
    path.push(responseName);
    output[responseName] = shape(walk, outputValue, step.type, inputValue, step.selectionSet, path, parentType);
    path.pop();
    if (walk.invalid) return false;
  }
  return true;
}

function typeConditionApplies(schema: Schema, typeCondition: CompositeType, typename: string | undefined, parentType: CompositeType): boolean {
  if (typename) {
    const type = schema.type(typename);
    return !!type && isSubtype(typeCondition, type);
  }
  return isSubtype(typeCondition, parentType);
}

/** One value of the answer (Apollo's updateOutputValue); sets walk.invalid and walk.hasErrors. */
function shape(walk: Walk, outputValue: unknown, type: OutputType, inputValue: unknown, selectionSet: SelectionSet | undefined, path: (string | number)[], parentType: CompositeType): unknown {
  if (inputValue === undefined) fail('Should not pass undefined for `inputValue` to this method');
  walk.invalid = false;
  walk.hasErrors = false;
  if (outputValue === null || (outputValue !== undefined && !selectionSet)) return outputValue;
  if (isNonNullType(type)) {
    const updated = shape(walk, outputValue, type.ofType, inputValue, selectionSet, path, parentType);
    if (updated === null) {
      if (!walk.hasErrors) {
        walk.errors.push(ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describeLast(path, type.ofType, parentType)}.`, { path: Array.from(path) }));
      }
      walk.invalid = true;
      walk.hasErrors = true;
      return null;
    }
    walk.invalid = false;
    walk.hasErrors = false;
    return updated;
  }
  if (inputValue === null) return null;
  if (isListType(type)) {
    if (!Array.isArray(inputValue)) fail(`Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${type}`);
    if (outputValue !== undefined && !Array.isArray(outputValue)) fail(`Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${type}`);
    const previous = outputValue as unknown[] | undefined;
    if (previous && previous.length !== inputValue.length) fail(`[${String(inputValue)}].length (${inputValue.length}) !== [${String(previous)}].length (${previous.length})`);
    const updated = new Array<unknown>(inputValue.length);
    let nullify = false;
    let hasErrors = false;
    for (let index = 0; index < inputValue.length; index += 1) {
      path.push(index);
      updated[index] = shape(walk, previous?.[index], type.ofType, inputValue[index], selectionSet, path, parentType);
      path.pop();
      nullify ||= walk.invalid;
      hasErrors ||= walk.hasErrors;
    }
    walk.invalid = false;
    walk.hasErrors = hasErrors;
    return nullify ? null : updated;
  }
  if (isCompositeType(type)) {
    if (!selectionSet) fail(`Invalid empty selection set for composite type ${type}`);
    if (typeof inputValue !== 'object') fail(`Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type}`);
    if (outputValue !== undefined && typeof outputValue !== 'object') fail(`Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type}`);
    const input = inputValue as Record<string, unknown>;
    const typename = input[typenameFieldName];
    if (typename !== undefined && typeof typename !== 'string') fail(`Invalid non-string value ${String(typename)} for __typename at ${path}`);
    let objectType: CompositeType = type;
    if (typename) {
      const named = walk.schema.type(typename);
      if (!named || !isCompositeType(named)) {
        walk.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describeLast(path, type, parentType)}.`, { path: Array.from(path) }));
        walk.hasErrors = true;
        return null;
      }
      objectType = named;
    }
    const output = (outputValue ?? Object.create(null)) as Record<string, unknown>;
    const ok = applySelectionSet(walk, input, selectionSet, output, path, objectType);
    walk.invalid = false;
    walk.hasErrors = !ok;
    return ok ? output : null;
  }
  if (outputValue !== undefined) fail(`Excepted output to be undefined but got ${type} for type ${type}`);
  const valid = isValidLeafValue(walk.schema, inputValue, type);
  if (!valid) walk.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describeLast(path, type, parentType)}.`, { path: Array.from(path) }));
  walk.hasErrors = !valid;
  return valid ? inputValue : null;
}

export interface ComputeResponseOptions {
  operation: Operation;
  variables?: Record<string, unknown>;
  input: Record<string, unknown> | null | undefined;
  introspectionHandling: (selection: Selection) => unknown;
}

/** The client's answer from the merged subgraph answers: the signature of Apollo's computeResponse. */
export function computeResponse({ operation, variables, input, introspectionHandling }: ComputeResponseOptions): { data: Record<string, unknown> | null | undefined; errors: GraphQLError[] } {
  if (!input) return { data: input, errors: [] };
  const schema = operation.schema();
  const walk: Walk = {
    schema,
    variables: { __proto__: null, ...operation.collectDefaultedVariableValues(), ...variables } as Record<string, unknown>,
    errors: [],
    introspectionHandling,
    invalid: false,
    hasErrors: false,
  };
  const data = Object.create(null) as Record<string, unknown>;
  const ok = applySelectionSet(walk, input, operation.selectionSet, data, [], schema.schemaDefinition.rootType(operation.rootKind)!);
  return { data: ok ? data : null, errors: walk.errors };
}
