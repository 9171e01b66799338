import fc from 'fast-check';
import { getNamedType, getNullableType, isEnumType, isInputObjectType, isListType, isNonNullType, type GraphQLInputType } from 'graphql';
import { Lazy, RawJson } from './json';

/** What a fuzzed value is meant to probe; each generated input belongs to one. */
export const hostileCategories = ['operator', 'unicode', 'huge', 'scalar', 'id'] as const;
export type HostileCategory = (typeof hostileCategories)[number];

/** The ids a tenant owns, by kind: its own (for plausible inputs) or another tenant's (foreign). */
export interface TenantIds {
  tenantId: string;
  userId: string;
  company: string[];
  contact: string[];
  pipeline: string[];
  stage: string[];
  deal: string[];
  activity: string[];
}
export type IdKind = Exclude<keyof TenantIds, 'tenantId' | 'userId'> | 'user';

// ---- hostile values ---------------------------------------------------------------------------

/** Query-operator-shaped strings, and the same as JSON objects where a variable's type is a scalar or an input object. */
const operatorStrings = [
  '{"$gt": ""}',
  '{"$ne": null}',
  '$where',
  '{"$where": "sleep(5000) || true"}',
  '{"$regex": ".*"}',
  '{"$in": []}',
  '{"$expr": {"$eq": [1, 1]}}',
  '$gt',
  '$$ROOT',
  "'; return true; var x='",
  'this.tenantId != null',
  '[$ne]=1',
  '{"__proto__": {"admin": true}}',
];
const operatorObjects: unknown[] = [
  { $gt: '' },
  { $ne: null },
  { $where: 'sleep(5000) || true' },
  { $regex: '.*' },
  { $in: [] },
  { $exists: true },
  { $expr: { $eq: [1, 1] } },
  { _id: { $ne: null } },
  { tenantId: { $ne: null } },
  [{ $gt: '' }],
  { $oid: '0123456789abcdef01234567' },
  JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"admin": true}}}'),
];
export const operatorValue = fc.oneof(fc.constantFrom(...operatorStrings), fc.constantFrom(...operatorObjects));

/** NUL and other controls, bidi overrides, lone surrogate halves (JSON escapes them), emoji, zero-width and combining marks. */
const specialTexts = [
  '\u0000',
  'a\u0000b',
  '\u0001\u0002\u0003\u001f\u007f',
  '\u202eevil.exe\u202c',
  '\u200f\u061c\u2066rtl\u2069',
  '\ud800',
  '\udfff',
  'x\udc00y',
  '\ud83d',
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\ufeff',
  '\u200b\u200c\u200d',
  'e\u0301\u0301\u0301',
  '\u2028\u2029',
  '\r\n\t\b\f',
  '\u001b[31mred\u001b[0m',
  'ＡＢＣ＠ｅｘａｍｐｌｅ．ｃｏｍ',
  '﷽',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '\uffff\ufffe',
  '\\',
  '"',
  '<script>alert(1)</script>',
];
/**
 * Any code points, lone surrogate halves included, mostly from the ranges that trip parsers.
 * (Built from code points: fc.string({ unit: 'binary' }) spends seconds indexing all of Unicode when built.)
 */
const codePoint = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }),
  fc.integer({ min: 0x7f, max: 0x9f }),
  fc.integer({ min: 0x200b, max: 0x206f }), // zero-width, bidi controls
  fc.integer({ min: 0xd800, max: 0xdfff }), // surrogate halves
  fc.integer({ min: 0xfff0, max: 0xffff }),
  fc.integer({ min: 0x1f300, max: 0x1faff }), // emoji
  fc.integer({ min: 0, max: 0x10ffff }),
);
const codePoints = (maxLength: number) => fc.array(codePoint, { maxLength }).map((codes) => String.fromCodePoint(...codes));
export const unicodeText = fc.oneof(
  fc.constantFrom(...specialTexts),
  codePoints(40),
  fc.tuple(fc.constantFrom(...specialTexts), codePoints(10), fc.constantFrom(...specialTexts)).map((parts) => parts.join('')),
);

/** A string of about `bytes` UTF-8 bytes in the request, built only when sent. */
const hugeString = (bytes: number) =>
  fc.constantFrom(
    new Lazy(`"a" × ${bytes}`, () => 'a'.repeat(bytes)),
    new Lazy(`"😀" × ${bytes / 4}`, () => '😀'.repeat(bytes / 4)),
    new Lazy(`"\\u0000" × ${bytes / 6}`, () => '\u0000'.repeat(bytes / 6)), // escaped: 6 bytes each
    new Lazy(`"{\\"$gt\\": \\"\\"}" × ${bytes / 12}`, () => '{"$gt": ""}'.repeat(bytes / 12)),
  );
/** Within the gateway's 1 MB body limit, and beyond it. */
const hugeBytes = fc.constantFrom(10_000, 100_000, 960_000, 1_200_000);
export const hugeStringValue = hugeBytes.chain(hugeString);
export const hugeArrayOf = (item: unknown) =>
  fc.constantFrom(1_000, 10_000, 100_000).map((count) => new Lazy(`[${count} × ${JSON.stringify(item)}]`, () => Array.from({ length: count }, () => item)));

const numbersNotInt = [1.5, -0.000001, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, Number.MAX_VALUE, new RawJson('1e309'), new RawJson('-1e309'), new RawJson('-0'), new RawJson('1e-400')];
const nanLike = ['NaN', 'Infinity', '-Infinity', '1e309', '0x10', '12', ' 7 ', ''];
const notScalars: unknown[] = [{}, [], ['x'], { value: 'x' }, null];

/** A value of the wrong kind for a leaf type: numbers for strings, strings and floats for Int, NaN/Infinity-like values, booleans. */
export function wrongScalar(type: GraphQLInputType): fc.Arbitrary<unknown> {
  const named = getNamedType(type).name;
  const common = fc.constantFrom<unknown>(true, false, ...notScalars);
  if (named === 'Int') return fc.oneof(fc.constantFrom<unknown>(...numbersNotInt, ...nanLike), fc.double({ noInteger: true }), common);
  if (named === 'Float') return fc.oneof(fc.constantFrom<unknown>(...numbersNotInt, ...nanLike, -1, 1e300), common);
  if (named === 'Boolean') return fc.oneof(fc.constantFrom<unknown>(0, 1, 'true', 'false', 'yes'), common);
  return fc.oneof(fc.integer(), fc.constantFrom<unknown>(0, -1, 1.5, ...numbersNotInt), common);
}

// Built once: fc.stringMatching compiles its pattern into an arbitrary (milliseconds each).
const nearHex = fc.stringMatching(/^[0-9a-f]{20,28}$/);

/** Malformed ids (a near miss of the ObjectId shape, other id formats) and another tenant's ids. */
export function idValue(own: string[], foreign: string[]): fc.Arbitrary<unknown> {
  const sample = own[0] ?? '0123456789abcdef01234567';
  const malformed = fc.oneof(
    fc.constantFrom<unknown>(
      '',
      ' ',
      '0',
      'null',
      'undefined',
      sample.slice(1),
      `${sample}0`,
      sample.toUpperCase(),
      ` ${sample} `,
      `${sample}\u0000`,
      `ObjectId("${sample}")`,
      `{"$oid": "${sample}"}`,
      { $oid: sample },
      'zzzzzzzzzzzzzzzzzzzzzzzz',
      '000000000000000000000000',
      'ffffffffffffffffffffffff',
      'abcdefghijkl', // 12 characters: mongoose takes any 12-byte string as an ObjectId
      '9b2d4c0e-4b1f-4a5e-8c9d-2f0e1a3b4c5d',
      '../../etc/passwd',
      Buffer.from('cursor:{"$gt": ""}').toString('base64url'),
      Buffer.from(`cursor:${sample}`).toString('base64url'),
    ),
    nearHex,
    fc.integer(),
  );
  return foreign.length > 0 ? fc.oneof(malformed, fc.constantFrom(...foreign)) : malformed;
}

export interface HostileContext {
  own: TenantIds;
  foreign: TenantIds;
  idKind: IdKind | undefined;
}

/** A value of the category for one position of the given type. */
export function hostileValue(category: HostileCategory, type: GraphQLInputType, context: HostileContext): fc.Arbitrary<unknown> {
  const inner = getNullableType(type);
  switch (category) {
    case 'operator':
      return operatorValue;
    case 'unicode':
      return unicodeText;
    case 'huge':
      return isListType(inner) ? hugeArrayOf(sampleLeaf(inner.ofType)) : fc.oneof(hugeStringValue, hugeArrayOf('a'));
    case 'scalar':
      return isInputObjectType(inner) || isListType(inner) ? fc.oneof(fc.constantFrom<unknown>('x', 0, true, null, []), wrongScalar(type)) : wrongScalar(type);
    case 'id':
      return idValue(idsOf(context.own, context.idKind), idsOf(context.foreign, context.idKind));
  }
}

/** A small, plausible element for a huge list of that element type. */
function sampleLeaf(type: GraphQLInputType): unknown {
  const named = getNamedType(type);
  if (isInputObjectType(named)) {
    return Object.fromEntries(Object.values(named.getFields()).filter((field) => isNonNullType(field.type)).map((field) => [field.name, sampleLeaf(field.type)]));
  }
  if (isEnumType(named)) return named.getValues()[0]?.value;
  if (named.name === 'Int' || named.name === 'Float') return 0;
  return 'a';
}

export function idsOf(ids: TenantIds, kind: IdKind | undefined): string[] {
  if (kind === 'user') return [ids.userId];
  if (kind) return ids[kind];
  return [...ids.company, ...ids.contact, ...ids.pipeline, ...ids.deal, ...ids.activity];
}
