import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { parse, validate } from 'graphql';

// The README's example operations are what a newcomer runs first: each must be valid against the
// API the gateway serves (the composed supergraph's API schema), so the docs cannot drift.
const api = Supergraph.build(readFileSync(resolve(__dirname, '../supergraph.graphql'), 'utf8')).apiSchema().toGraphQLJSSchema();
const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
const operations = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)]
  .flatMap(([, block]) => block!.replace(/#.*$/gm, '').split(/\n(?=(?:query|mutation) )/))
  .map((operation) => operation.trim())
  .filter(Boolean);

describe("the README's GraphQL examples", () => {
  it('are there', () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
  });

  it.each(operations.map((operation) => [operation.replace(/\s+/g, ' ').slice(0, 70), operation]))('%s… is valid against the API schema', (_name, operation) => {
    expect(validate(api, parse(operation)).map((error) => error.message)).toEqual([]);
  });
});
