// Our result shaping against @apollo/gateway's own computeResponse, on the same operations and
// the same merged subgraph answers: valid ones, and ones with nulls where the schema forbids
// them, unknown __typenames, values of the wrong type and lists of the wrong shape. The data,
// the errors (message, path, code) and what throws must be the same.
import { buildSchema, parseOperation, type Operation } from '@apollo/federation-internals';
import fc from 'fast-check';
import type { GraphQLError } from 'graphql';
import { apolloOriginals } from '../src/lighter-execution';
import { computeResponse } from '../src/result-shaping';

type Compute = typeof computeResponse;
const apollo = apolloOriginals.computeResponse as Compute;

const schema = buildSchema(`
  interface Node { id: ID! }
  type Company implements Node { id: ID! name: String! tags: [String!] size: Int rating: Float active: Boolean kind: Kind founded: Date deals: [Deal] }
  type Deal implements Node { id: ID! title: String amount: Float! stage: Kind company: Company! lines: [[Int!]]! }
  union Item = Company | Deal
  enum Kind { A B C }
  scalar Date
  type Query { node(id: ID!): Node items: [Item!]! company: Company! companies: [Company] version: String }
`);

const operations: Operation[] = [
  `query Q($skip: Boolean!, $inc: Boolean = true) {
     company { id name @skip(if: $skip) tags size rating active kind founded kindOf: __typename
       deals { id title amount stage lines company { id name } } }
     companies { ...C }
     items { __typename ... on Company { name n2: name } ... on Deal { title amount @include(if: $inc) } ... on Node { id } }
     node(id: "1") { id ... on Deal { company { name } } ... on Company @include(if: $inc) { size } }
     version
   }
   fragment C on Company { id name kind deals { id } }`,
  `query R($skip: Boolean!) { company { deals { id } deals { title stage } } c1: company { id ... @skip(if: $skip) { name } } company { name } }`,
  `{ __typename version companies { __typename id } t: __typename }`,
].map((text) => parseOperation(schema, text));

/** A merged answer for the Query type: mostly what the schema says, sometimes not at all. */
function answerFrom(tape: readonly number[]): Record<string, unknown> {
  // Every choice reads the next number of a tape that fast-check draws (and shrinks).
  let next = 0;
  const random = () => tape[next++ % tape.length]!;
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const odd = () => pick([null, 'x', 7, 2.5, true, 1e21, [], {}]);
  const scalars: Record<string, () => unknown> = {
    ID: () => pick(['1', 'co~1', 42]),
    String: () => pick(['Acme', '', 'Ortega']),
    Int: () => pick([0, 3, -8, 2 ** 31]),
    Float: () => pick([0.5, 3, -1.25]),
    Boolean: () => random() < 0.5,
    Kind: () => pick(['A', 'B', 'C', 'Z']),
    Date: () => pick(['2026-01-01', 5]),
  };
  const valueOf = (type: string, depth: number): unknown => {
    if (random() < 0.06) return odd();
    if (type.endsWith('!')) return valueOf(type.slice(0, -1), depth);
    if (type.startsWith('[')) return depth > 3 ? [] : Array.from({ length: Math.floor(random() * 3) }, () => valueOf(type.slice(1, -1), depth + 1));
    if (scalars[type]) return scalars[type]!();
    return objectOf(type, depth + 1);
  };
  const fields: Record<string, Record<string, string>> = {
    Company: { id: 'ID!', name: 'String!', tags: '[String!]', size: 'Int', rating: 'Float', active: 'Boolean', kind: 'Kind', founded: 'Date', deals: '[Deal]' },
    Deal: { id: 'ID!', title: 'String', amount: 'Float!', stage: 'Kind', company: 'Company!', lines: '[[Int!]]!' },
  };
  const objectOf = (type: string, depth: number): Record<string, unknown> => {
    const concrete = type === 'Node' || type === 'Item' ? pick(['Company', 'Deal']) : type;
    const object: Record<string, unknown> = {};
    if (random() < 0.9) object.__typename = random() < 0.05 ? pick(['Bogus', 'Node', 'Kind', 3]) : concrete;
    for (const [name, fieldType] of Object.entries(fields[concrete] ?? {})) {
      if (random() < 0.05) continue; // a field the subgraph left out
      object[name] = depth > 4 && !fieldType.endsWith('!') ? null : valueOf(fieldType, depth);
    }
    if (random() < 0.3) object.kindOf = pick([concrete, 'Bogus', null]);
    if (concrete === 'Company' && random() < 0.8) object.n2 = object.name; // answers are keyed by alias
    return object;
  };
  return {
    company: valueOf('Company!', 0),
    companies: valueOf('[Company]', 0),
    items: valueOf('[Item!]!', 0),
    node: valueOf('Node', 0),
    version: valueOf('String', 0),
    c1: valueOf('Company!', 0),
  };
}

const introspectionHandling = () => ({ answered: 'introspection' });

function outcome(compute: Compute, operation: Operation, variables: Record<string, unknown>, input: Record<string, unknown>) {
  try {
    const { data, errors } = compute({ operation, variables, input, introspectionHandling });
    return {
      data: JSON.stringify(data),
      errors: (errors as GraphQLError[]).map((error) => ({ message: error.message, path: error.path, code: error.extensions.code })),
    };
  } catch (error) {
    return { thrown: (error as Error).message };
  }
}

describe('result shaping', () => {
  test.each(operations.map((operation, index) => [index, operation] as const))('operation %i: the same answer and errors as Apollo for valid and broken subgraph answers', (_index, operation) => {
    let withErrors = 0;
    fc.assert(
      fc.property(fc.array(fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1e6), { minLength: 64, maxLength: 400 }), fc.boolean(), fc.option(fc.boolean(), { nil: undefined }), (tape, skip, inc) => {
        const input = answerFrom(tape);
        const variables = inc === undefined ? { skip } : { skip, inc };
        const ours = outcome(computeResponse, operation, variables, input);
        expect(ours).toEqual(outcome(apollo, operation, variables, input));
        if (ours.errors && ours.errors.length > 0) withErrors += 1;
      }),
      { numRuns: 400 },
    );
    // The generator reaches the error paths, not only clean answers.
    expect(withErrors).toBeGreaterThan(20);
  });

  test('a clean answer: aliases, fragments on interfaces and unions, @skip and @include, merged selections', () => {
    const [first] = operations;
    const input = {
      company: { __typename: 'Company', id: 'c1', name: 'Acme', tags: ['a'], size: 3, rating: 4.5, active: true, kind: 'B', founded: '2020-01-01', deals: [{ __typename: 'Deal', id: 'd1', title: 'T', amount: 10, stage: 'A', lines: [[1, 2], []], company: { __typename: 'Company', id: 'c1', name: 'Acme' } }] },
      companies: [null, { __typename: 'Company', id: 'c2', name: 'Beta', kind: 'C', deals: [] }],
      items: [{ __typename: 'Deal', id: 'd1', title: 'T', amount: 10 }, { __typename: 'Company', id: 'c2', name: 'Beta', n2: 'Beta' }],
      node: { __typename: 'Company', id: 'c2', size: 7 },
      version: '1',
    };
    const { data, errors } = computeResponse({ operation: first!, variables: { skip: true, inc: false }, input, introspectionHandling });
    expect(errors).toEqual([]);
    expect(JSON.parse(JSON.stringify(data))).toEqual({
      company: { id: 'c1', tags: ['a'], size: 3, rating: 4.5, active: true, kind: 'B', founded: '2020-01-01', kindOf: 'Company', deals: [{ id: 'd1', title: 'T', amount: 10, stage: 'A', lines: [[1, 2], []], company: { id: 'c1', name: 'Acme' } }] },
      companies: [null, { id: 'c2', name: 'Beta', kind: 'C', deals: [] }],
      items: [{ __typename: 'Deal', title: 'T', id: 'd1' }, { __typename: 'Company', name: 'Beta', n2: 'Beta', id: 'c2' }],
      node: { id: 'c2' },
      version: '1',
    });
  });

  test('a null where the schema forbids it bubbles up to the nearest nullable field, with one error naming the field', () => {
    const [first] = operations;
    const input = { company: { __typename: 'Company', id: 'c1', name: null }, version: 'v' };
    const { data, errors } = computeResponse({ operation: first!, variables: { skip: false }, input, introspectionHandling });
    expect(data).toBeNull();
    expect(errors.map((error) => [error.message, error.path])).toEqual([['Cannot return null for non-nullable field Company.name.', ['company', 'name']]]);
  });
});
