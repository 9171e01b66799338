import { buildSchema, parse, validate } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { finiteNumberLiterals, finiteNumberVariables } from '../src/finite-number-literals';

const schema = buildSchema('scalar DateTime\ntype Query { at(when: DateTime, n: Float): Int }');
const errors = (query: string) => validate(schema, parse(query), [finiteNumberLiterals]).map((error) => error.message);

describe('finiteNumberLiterals', () => {
  it('refuses number literals beyond the double range, in any argument', () => {
    expect(errors('{ at(when: 1e309) }')).toEqual(['number 1e309 is out of range']);
    expect(errors('{ at(when: [-1e309]) }')).toEqual(['number -1e309 is out of range']);
    expect(errors(`{ at(when: ${'9'.repeat(400)}) }`)).toHaveLength(1);
  });

  it('lets every finite number through', () => {
    expect(errors('{ at(when: 1.7976931348623157e308, n: -0) a: at(when: 1e-400) }')).toEqual([]);
  });
});

describe('finiteNumberVariables', () => {
  const server = new ApolloServer({
    typeDefs: 'scalar DateTime\ntype Query { at(when: DateTime!, more: [DateTime]): String }',
    resolvers: { Query: { at: (_parent: unknown, args: { when: unknown }) => JSON.stringify(args.when) } },
    plugins: [finiteNumberVariables()],
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  const run = async (variables: Record<string, unknown>) => {
    const { body, http } = await server.executeOperation({ query: 'query ($w: DateTime!, $m: [DateTime]) { at(when: $w, more: $m) }', variables });
    const result = (body as { singleResult: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }).singleResult;
    return { status: http.status, data: result.data, errors: result.errors?.map((e) => [e.extensions?.code, e.message]) };
  };

  it('refuses a variable holding a number that is not finite (JSON 1e309), as bad input naming where', async () => {
    expect(await run({ w: -Infinity })).toEqual({ status: 400, data: undefined, errors: [['BAD_USER_INPUT', 'number at $w is out of range']] });
    expect(await run({ w: '2030-01-01T00:00:00Z', m: [1, { deep: [Infinity] }] })).toMatchObject({ errors: [['BAD_USER_INPUT', 'number at $m[1].deep[0] is out of range']] });
  });

  it('lets finite values through', async () => {
    expect(await run({ w: 1.5, m: ['x', -0] })).toEqual({ status: undefined, data: { at: '1.5' }, errors: undefined });
  });
});
