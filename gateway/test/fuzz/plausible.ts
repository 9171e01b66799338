import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
} from 'graphql';
import { idsOf, type IdKind, type TenantIds } from './values';

/**
 * Which kind of record an ID argument or input field names, from its name: `companyId` a
 * company, `id` the kind its field returns (`deal(id)`, `moveDealToStage(id)`: a deal). An
 * ID no rule knows takes any of the tenant's ids, so a new field is fuzzed all the same.
 */
export function idKindOf(name: string, field: GraphQLField<unknown, unknown>): IdKind | undefined {
  const byName: Record<string, IdKind> = { companyId: 'company', pipelineId: 'pipeline', dealId: 'deal', stageId: 'stage', contactId: 'contact', activityId: 'activity', assigneeId: 'user', ownerId: 'user', userId: 'user', leadId: 'user', memberIds: 'user' };
  if (byName[name]) return byName[name];
  if (name !== 'id') return undefined;
  const returned = getNamedType(field.type).name.toLowerCase();
  return (['company', 'contact', 'pipeline', 'deal', 'activity', 'user'] as const).find((kind) => kind === returned);
}

/** Plausible strings by field name, so that most generated inputs pass validation but for the one value being probed. */
const stringByName: Record<string, fc.Arbitrary<string>> = {
  email: fc.stringMatching(/^[a-z]{1,10}$/).map((user) => `${user}@example.com`),
  phone: fc.constantFrom('+14155550123', '+34 612 345 678', '+49 30 901820'),
  phoneCountry: fc.constantFrom('DE', 'US', 'es'),
  website: fc.constantFrom('https://example.com', 'www.example.org/about', 'example.net'),
  currency: fc.constantFrom('EUR', 'USD', 'chf'),
  expectedCloseDate: fc.constantFrom('2030-06-30', '2031-01-15'),
  role: fc.constantFrom('MANAGER', 'head of sales', 'Decision maker'),
  lostReason: fc.constantFrom('Other', 'Price too high'),
  key: fc.constantFrom('distribution', 'cleaning-services', 'language-school'),
  dueAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
};

// Built once: fc.stringMatching compiles its pattern into an arbitrary (milliseconds each).
const plainText = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 .&-]{0,30}$/).map((text) => `Fuzz ${text}`);

export interface PlausibleContext {
  ids: TenantIds;
  field: GraphQLField<unknown, unknown>;
}

/** A value that a valid request could carry for this argument or input field. */
export function plausibleValue(name: string, type: GraphQLInputType, context: PlausibleContext, outer: ReadonlySet<string> = new Set()): fc.Arbitrary<unknown> {
  // Merges are fuzzed as dry runs: a real one moves people and, through its event, repoints deals
  // and activities, which the store check cannot tell from a refused mutation's write. Real merges
  // are tested in services/contacts/test/merge.test.ts and the services' merges.test.ts.
  if (name === 'dryRun') return fc.constant(true);
  // A recursive input (a filter's `and: [CompanyFilter!]`) is left out inside itself: one level is plausible enough.
  if (outer.has(getNamedType(type).name)) return isNonNullType(type) ? fc.constant(null) : fc.constant(undefined);
  const value = plausibleNonNull(name, getNullableType(type) as GraphQLInputType, context, outer);
  // An optional one is often left out (undefined) or null.
  return isNonNullType(type) ? value : fc.oneof({ weight: 3, arbitrary: value }, fc.constantFrom(undefined, null));
}

function plausibleNonNull(name: string, type: GraphQLInputType, context: PlausibleContext, outer: ReadonlySet<string>): fc.Arbitrary<unknown> {
  if (isListType(type)) {
    const item = type.ofType as GraphQLInputType;
    // Names are unique within a list (stages of a pipeline): a counter suffix keeps them so.
    return fc.array(plausibleValue(name, item, context, outer), { minLength: 1, maxLength: 4 }).map((items) =>
      items.map((entry, index) => (entry && typeof entry === 'object' && 'name' in entry ? { ...entry, name: `${String(entry.name)} ${index}` } : entry)),
    );
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const within = new Set(outer).add(type.name);
    return fc.tuple(...fields.map((field) => plausibleValue(field.name, field.type, context, within))).map((values) =>
      Object.fromEntries(fields.map((field, index) => [field.name, values[index]]).filter(([, value]) => value !== undefined)),
    );
  }
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((value) => value.name));
  switch (type.name) {
    case 'ID': {
      const ids = idsOf(context.ids, idKindOf(name, context.field));
      return ids.length > 0 ? fc.constantFrom(...ids) : fc.constant(context.ids.userId);
    }
    case 'Int':
      return name === 'first' ? fc.integer({ min: 1, max: 100 }) : fc.integer({ min: 0, max: 1000 });
    case 'Float':
      return name === 'probability' ? fc.double({ min: 0, max: 1, noNaN: true }) : fc.double({ min: 0, max: 1e6, noNaN: true });
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return stringByName.dueAt!;
    case 'String':
      if (name === 'after') return fc.constant(null); // a cursor is only ever one the server gave
      return stringByName[name] ?? plainText;
    case 'JSONObject':
      return fc.constantFrom({ floors: 3 }, { weekendService: true, surfaces: ['carpet'] });
    default:
      return fc.string({ maxLength: 20 });
  }
}

/** A place a value can be put: an argument, or a field inside an argument's input object (in a list: its first item). */
export interface Position {
  /** Path from the argument: ['input', 'stages', 0, 'name']. */
  path: (string | number)[];
  name: string;
  type: GraphQLInputType;
}

export function positionsOf(arg: GraphQLArgument): Position[] {
  const positions: Position[] = [];
  // A recursive input (a filter's `and: [CompanyFilter!]`) is expanded once: its fields inside
  // itself are positions already reached at the outer level.
  const walk = (path: (string | number)[], name: string, type: GraphQLInputType, outer: ReadonlySet<string>) => {
    positions.push({ path, name, type });
    const inner = getNullableType(type);
    const listed = isListType(inner);
    const named = getNamedType(type);
    if (!isInputObjectType(named) || outer.has(named.name)) return;
    const within = new Set(outer).add(named.name);
    for (const field of Object.values(named.getFields()) as GraphQLInputField[]) walk([...path, ...(listed ? [0] : []), field.name], field.name, field.type, within);
  };
  walk([arg.name], arg.name, arg.type, new Set());
  return positions;
}

/** The argument values with one position replaced (its parents made up as objects or one-item lists when absent). */
export function withValueAt(args: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...args, [head!]: value };
  const current = args[head as string];
  if (typeof rest[0] === 'number') {
    const list = Array.isArray(current) && current.length > 0 ? [...current] : [{}];
    list[rest[0]] = withValueAt((list[rest[0]] as Record<string, unknown>) ?? {}, rest.slice(1), value);
    return { ...args, [head!]: list };
  }
  const object = current && typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>) : {};
  return { ...args, [head!]: withValueAt(object, rest, value) };
}
