import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { describeValue, Lazy, RawJson } from './json';
import { idKindOf, plausibleValue, positionsOf, withValueAt, type Position } from './plausible';
import { rootFields, selectableFields, type RootField, type RootKind } from './schema';
import { hostileCategories, hostileValue, type HostileCategory, type TenantIds } from './values';

export const categories = [...hostileCategories, 'selection', 'valid'] as const;
/** operator, unicode, huge, scalar, id: one argument position gets a hostile value; selection: deep and wide selections; valid: plausible inputs only. */
export type Category = (typeof categories)[number];

export interface FuzzCase {
  category: Category;
  kind: RootKind;
  field: string;
  /** The argument position that got the hostile value ('input.stages.0.name'), if any. */
  position?: string;
  role: 'admin' | 'manager';
  /** How many times the root field is asked (aliases a0, a1...): several mutations in one request when > 1. */
  rootAliases: number;
  query: string;
  variables: Record<string, unknown>;
  /** One line for a failure's message. */
  describe: string;
}

export interface FuzzSetup {
  schema: GraphQLSchema;
  /** The tenant that sends queries (its data stays small and fixed), the one that sends mutations, and the other tenant. */
  queryTenant: TenantIds;
  mutationTenant: TenantIds;
  foreign: TenantIds;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** The value as a GraphQL literal, or undefined when it can only travel as a variable (non-finite numbers, `$gt` keys). */
export function toLiteral(value: unknown, type?: GraphQLInputType): string | undefined {
  const inner = type && getNullableType(type);
  if (value instanceof RawJson) return value.text;
  if (value instanceof Lazy) return toLiteral(value.make(), type);
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'string') return inner && isEnumType(inner) && NAME.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => toLiteral(item, inner && isListType(inner) ? (inner.ofType as GraphQLInputType) : undefined));
    return items.every((item) => item !== undefined) ? `[${items.join(', ')}]` : undefined;
  }
  if (typeof value === 'object') {
    const fields = inner && isInputObjectType(inner) ? inner.getFields() : {};
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    const parts = entries.map(([key, item]) => (NAME.test(key) ? toLiteral(item, fields[key]?.type) : undefined));
    return parts.every((part) => part !== undefined) ? `{${entries.map(([key], index) => `${key}: ${parts[index]}`).join(', ')}}` : undefined;
  }
  return undefined;
}

/**
 * The randomness of one case, from its fast-check seed: values come from fast-check arbitraries,
 * the shape (how deep, which fields, which aliases: thousands of choices in a deep case) from a
 * small PRNG seeded the same way. fc.gen() would record every choice for shrinking, which a
 * fuzz through real processes does not use (a failing case is replayed by its seed instead).
 */
export class Draw {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32 */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  value<T>(arbitrary: fc.Arbitrary<T>): T {
    return fc.sample(arbitrary, { numRuns: 1, seed: Math.floor(this.next() * 2 ** 31) })[0]!;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/** Collects an operation's variables and writes each argument inline or as a variable. */
class Arguments {
  readonly variables: Record<string, unknown> = {};
  readonly definitions: string[] = [];

  constructor(private readonly draw: Draw) {}

  write(args: readonly { name: string; type: GraphQLInputType }[], values: Record<string, unknown>): string {
    const parts: string[] = [];
    for (const arg of args) {
      const value = values[arg.name];
      if (value === undefined) continue;
      // A quarter inline, so that literals meet the parser and the validation too.
      const literal = this.draw.chance(0.25) ? toLiteral(value, arg.type) : undefined;
      if (literal !== undefined) {
        parts.push(`${arg.name}: ${literal}`);
      } else {
        const name = `v${this.definitions.length}`;
        this.definitions.push(`$${name}: ${arg.type.toString()}`);
        this.variables[name] = value;
        parts.push(`${arg.name}: $${name}`);
      }
    }
    return parts.length > 0 ? `(${parts.join(', ')})` : '';
  }
}

interface SelectionShape {
  maxDepth: number;
  /** Chance that an object field is selected. */
  objectChance: number;
  /** Every scalar field, not a subset. */
  allScalars: boolean;
  /** Most aliases of one object field. */
  aliases: number;
  /**
   * Field resolutions left, estimated with every list holding `listGuess` items: bounds what
   * one request makes the stack compute. Without it a deep case over aliased lists multiplies past millions of
   * objects; bounding that is the gateway limits' work, which answer with their own codes.
   */
  budget: number;
  /**
   * Items per list: the query tenant's fixed data has 2 companies of 3 contacts; the mutation
   * tenant's grows with the fuzz (a deal gathers hundreds of activities).
   */
  listGuess: number;
}

/** A type's fields split into leaves and object fields, computed once per type (a deep case walks thousands). */
const shapes = new WeakMap<GraphQLObjectType, { leaves: string[]; objects: { field: GraphQLField<unknown, unknown>; target: GraphQLObjectType }[] }>();
function shapeOf(type: GraphQLObjectType) {
  let shape = shapes.get(type);
  if (!shape) {
    const fields = selectableFields(type);
    shape = {
      leaves: fields.filter((field) => !isObjectType(getNamedType(field.type))).map((field) => field.name),
      objects: fields.flatMap((field) => {
        const target = getNamedType(field.type);
        return isObjectType(target) ? [{ field, target }] : [];
      }),
    };
    shapes.set(type, shape);
  }
  return shape;
}

function selectionOf(
  type: GraphQLObjectType,
  depth: number,
  shape: SelectionShape,
  draw: Draw,
  args: Arguments,
  plausible: (field: GraphQLField<unknown, unknown>) => Record<string, unknown>,
  multiplier = 1,
): string {
  const { leaves, objects } = shapeOf(type);
  const picked = shape.allScalars ? [...leaves] : leaves.filter((name) => name === 'id' || draw.chance(1 / 3));
  if (picked.length === 0 && leaves[0]) picked.push(leaves[0]);
  const parts = picked;
  shape.budget -= parts.length * multiplier;
  if (depth >= shape.maxDepth) return parts.join(' ');
  for (const { field, target } of objects) {
    if (shape.budget <= 0) break;
    if (!draw.chance(shape.objectChance)) continue;
    const count = draw.int(1, shape.aliases);
    const inner = multiplier * (isListType(getNullableType(field.type)) ? shape.listGuess : 1);
    for (let i = 0; i < count && shape.budget > inner; i++) {
      const alias = count > 1 ? `${field.name}_${i}: ` : '';
      parts.push(`${alias}${field.name}${args.write(field.args, plausible(field))} { ${selectionOf(target, depth + 1, shape, draw, args, plausible)} }`);
    }
  }
  return parts.join(' ');
}

/** Every field of a type down to `depth` levels of object fields (those without required arguments). */
export function fullSelection(type: GraphQLObjectType, depth: number): string {
  return selectableFields(type)
    .filter((field) => field.args.every((arg) => !isNonNullType(arg.type)))
    .map((field) => {
      const target = getNamedType(field.type);
      if (!isObjectType(target)) return field.name;
      return depth > 0 ? `${field.name} { ${fullSelection(target, depth - 1)} }` : undefined;
    })
    .filter(Boolean)
    .join(' ');
}

/** Every argument position of every root field, by field: what the coverage check counts. */
export function argumentPositions(schema: GraphQLSchema): Map<string, Position[]> {
  return new Map(rootFields(schema).map(({ field }) => [field.name, field.args.flatMap(positionsOf)]));
}

const positionKey = (position: Position) => position.path.join('.');

function positionsFor(category: HostileCategory, positions: Position[]): Position[] {
  const stringy = (position: Position) => ['String', 'ID', 'DateTime'].includes(getNamedType(position.type).name) || isEnumType(getNamedType(position.type));
  const preferred =
    category === 'id' ? positions.filter((position) => getNamedType(position.type).name === 'ID') : category === 'unicode' ? positions.filter(stringy) : positions;
  return preferred.length > 0 ? preferred : positions;
}

const categoryWeights: Record<Category, number> = { operator: 18, unicode: 18, scalar: 18, id: 18, huge: 2, selection: 14, valid: 12 };
const weightTotal = Object.values(categoryWeights).reduce((sum, weight) => sum + weight, 0);

function pickCategory(draw: Draw): Category {
  let ticket = draw.int(1, weightTotal);
  for (const category of categories) if ((ticket -= categoryWeights[category]) <= 0) return category;
  return 'valid';
}

/** Arbitraries built once per key: building one per draw would cost more than drawing. */
const memo = new Map<string, fc.Arbitrary<unknown>>();
const memoized = (key: string, build: () => fc.Arbitrary<unknown>) => memo.get(key) ?? memo.set(key, build()).get(key)!;

/** Every (root field, argument position) a hostile category can target, built once per category. */
const targetsByCategory = new Map<string, { root: RootField; target: Position }[]>();
function targetsOf(category: HostileCategory, roots: RootField[]) {
  const key = `${category} ${roots.length}`;
  if (!targetsByCategory.has(key)) {
    targetsByCategory.set(key, roots.flatMap((root) => {
      const positions = root.field.args.flatMap(positionsOf);
      return positions.length > 0 ? positionsFor(category, positions).map((target) => ({ root, target })) : [];
    }));
  }
  return targetsByCategory.get(key)!;
}

const cycles = new Map<string, number>();
function nextTarget(category: HostileCategory, roots: RootField[], draw: Draw) {
  const targets = targetsOf(category, roots);
  // Where each category's cycle starts is drawn once, so runs with different seeds differ.
  const at = cycles.get(category) ?? draw.int(0, targets.length - 1);
  cycles.set(category, at + 1);
  return targets[at % targets.length]!;
}

function buildCase(draw: Draw, setup: FuzzSetup, roots: RootField[]): FuzzCase {
  // A hostile value goes to the next position of its category's cycle over all positions of all
  // root fields: every position is reached (a field with sixty input positions gets sixty times
  // the share of one with one), the value put there is drawn. Valid and selection cases draw the
  // root field evenly.
  let category = pickCategory(draw);
  const hostileTarget = category !== 'selection' && category !== 'valid' ? nextTarget(category as HostileCategory, roots, draw) : undefined;
  const { kind, field } = hostileTarget?.root ?? draw.pick(roots);
  const own = kind === 'mutation' ? setup.mutationTenant : setup.queryTenant;
  const plausibleArgs = (target: GraphQLField<unknown, unknown>) =>
    Object.fromEntries(
      target.args
        .map((arg) => [arg.name, draw.value(memoized(`${own.tenantId} ${target.name} ${arg.name}`, () => plausibleValue(arg.name, arg.type, { ids: own, field: target })))])
        .filter(([, value]) => value !== undefined),
    );
  const positions = field.args.flatMap(positionsOf);
  if (positions.length === 0 && category !== 'valid') category = 'selection'; // nothing to put a hostile value in

  let values = plausibleArgs(field);
  let position: string | undefined;
  let probe = '';
  if (category !== 'selection' && category !== 'valid') {
    const target = hostileTarget!.target;
    position = positionKey(target);
    const hostile = memoized(`${own.tenantId} ${category} ${field.name} ${position}`, () =>
      hostileValue(category as HostileCategory, target.type, { own, foreign: setup.foreign, idKind: idKindOf(target.name, field) }),
    );
    const value = draw.value(hostile);
    values = withValueAt(values, target.path, value);
    probe = ` ${position}=${describeValue(value)}`;
  }

  const deep = category === 'selection';
  const listGuess = kind === 'mutation' ? 200 : 3;
  const shape: SelectionShape = deep
    ? { maxDepth: draw.int(3, 12), objectChance: 0.7, allScalars: draw.chance(0.5), aliases: draw.int(1, 4), budget: kind === 'mutation' ? 2000 : 1500, listGuess }
    : { maxDepth: draw.int(0, 2), objectChance: 0.3, allScalars: false, aliases: 1, budget: kind === 'mutation' ? 400 : 40, listGuess };
  const args = new Arguments(draw);
  const rootAliases = deep ? (kind === 'mutation' ? (draw.chance(0.1) ? draw.int(2, 4) : 1) : draw.int(1, 20)) : 1;
  const type = getNamedType(field.type);
  const selections: string[] = [];
  for (let i = 0; i < rootAliases; i++) {
    const written = args.write(field.args, i === 0 ? values : plausibleArgs(field));
    const body = isObjectType(type) ? ` { ${selectionOf(type, 0, shape, draw, args, plausibleArgs, isListType(getNullableType(field.type)) ? shape.listGuess : 1)} }` : '';
    selections.push(`${rootAliases > 1 ? `a${i}: ` : ''}${field.name}${written}${body}`);
  }
  const definitions = args.definitions.length > 0 ? `(${args.definitions.join(', ')})` : '';
  const role = kind === 'mutation' && draw.chance(1 / 7) ? 'manager' : 'admin';
  return {
    category,
    kind,
    field: field.name,
    ...(position && { position }),
    role,
    rootAliases,
    query: `${kind} Fuzz${definitions} { ${selections.join(' ')} }`,
    variables: args.variables,
    describe: `${category} ${kind} ${field.name} as ${role}${probe}${deep ? ` (${rootAliases} root aliases, depth ≤ ${shape.maxDepth})` : ''}`,
  };
}

/**
 * Generated requests: one root field each (aliased many times in deep and wide ones),
 * plausible but for what the category probes. Each case is built from a seed fast-check draws.
 */
export function fuzzCases(setup: FuzzSetup): fc.Arbitrary<FuzzCase> {
  const roots = rootFields(setup.schema);
  return fc.noShrink(fc.integer()).map((seed) => buildCase(new Draw(seed), setup, roots));
}
