import type { Identity } from '@crm/auth';
import { OperationTypeNode } from 'graphql';
import { fetchOperationType, operationKey, operationTypeOf, operationTypes, subgraphFetchKey, type SubgraphFetch } from '../src/sharing-keys';

const alice: Identity = { tenantId: 'acme', userId: 'alice', roles: ['manager'] };
const entityFetch: SubgraphFetch = {
  incomingOperation: OperationTypeNode.QUERY,
  subgraph: 'deals',
  identity: alice,
  identityHeader: 'signed-for-alice',
  query: 'query($representations:[_Any!]!){_entities(representations:$representations){...on Deal{title}}}',
  body: '{"query":"...","variables":{"representations":[{"__typename":"Deal","id":"d1"}]}}',
};

describe('when two subgraph fetches may share one request', () => {
  it('shares identical reads of the same caller', () => {
    expect(subgraphFetchKey(entityFetch)).toBeDefined();
    expect(subgraphFetchKey({ ...entityFetch })).toBe(subgraphFetchKey(entityFetch));
  });

  it('never shares between tenants, users, roles or identity headers', () => {
    const key = subgraphFetchKey(entityFetch);
    expect(subgraphFetchKey({ ...entityFetch, identity: { ...alice, tenantId: 'globex' } })).not.toBe(key);
    expect(subgraphFetchKey({ ...entityFetch, identity: { ...alice, userId: 'bob' } })).not.toBe(key);
    expect(subgraphFetchKey({ ...entityFetch, identity: { ...alice, roles: ['admin'] } })).not.toBe(key);
    expect(subgraphFetchKey({ ...entityFetch, identityHeader: 'signed-for-someone-else' })).not.toBe(key);
  });

  it('never shares different bodies or subgraphs', () => {
    const key = subgraphFetchKey(entityFetch);
    expect(subgraphFetchKey({ ...entityFetch, body: `${entityFetch.body} ` })).not.toBe(key);
    expect(subgraphFetchKey({ ...entityFetch, subgraph: 'contacts' })).not.toBe(key);
  });

  it('never shares anything that serves a mutation, nor a mutation fetch, nor a fetch without a caller', () => {
    expect(subgraphFetchKey({ ...entityFetch, incomingOperation: OperationTypeNode.MUTATION })).toBeUndefined();
    expect(subgraphFetchKey({ ...entityFetch, incomingOperation: undefined })).toBeUndefined();
    expect(subgraphFetchKey({ ...entityFetch, query: 'mutation($id:ID!){moveDealToStage(id:$id){id}}' })).toBeUndefined();
    expect(subgraphFetchKey({ ...entityFetch, identity: undefined, identityHeader: undefined })).toBeUndefined();
  });

  it('reads the operation type of a planned fetch', () => {
    expect(fetchOperationType('query Q__deals__0{deal(id:"1"){id}}')).toBe('query');
    expect(fetchOperationType('{deal(id:"1"){id}}')).toBe('query');
    expect(fetchOperationType('mutation{createDeal{id}}')).toBe('mutation');
    expect(fetchOperationType('subscription{x}')).toBe('subscription');
    expect(fetchOperationType('queryX')).toBeUndefined();
  });
});

describe('when two client operations may share one execution', () => {
  const body = { query: 'query Deal($id: ID!) { deal(id: $id) { title } }', variables: { id: 'd1' }, operationName: 'Deal' };

  it('shares identical queries of the same caller', () => {
    expect(operationKey(alice, body)).toBeDefined();
    expect(operationKey({ ...alice, roles: ['manager'] }, { ...body, variables: { id: 'd1' } })).toBe(operationKey(alice, body));
  });

  it('keys by caller, variables, operation name and document', () => {
    const key = operationKey(alice, body);
    expect(operationKey({ ...alice, tenantId: 'globex' }, body)).not.toBe(key);
    expect(operationKey({ ...alice, userId: 'bob' }, body)).not.toBe(key);
    expect(operationKey(alice, { ...body, variables: { id: 'd2' } })).not.toBe(key);
    expect(operationKey(alice, { ...body, query: `${body.query} query Other { pipelines { id } }`, operationName: 'Other' })).not.toBe(key);
  });

  it('never shares mutations, unknown operations, documents that do not parse, persisted queries or anonymous callers', () => {
    expect(operationKey(alice, { query: 'mutation Move { moveDealToStage(id: "1", stageId: "2") { id } }' })).toBeUndefined();
    expect(operationKey(alice, { query: 'query A { a } mutation B { b }', operationName: 'B' })).toBeUndefined();
    expect(operationKey(alice, { query: 'query A { a } query B { b }' })).toBeUndefined();
    expect(operationKey(alice, { query: 'query {' })).toBeUndefined();
    expect(operationKey(alice, { ...body, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } })).toBeUndefined();
    expect(operationKey(undefined, body)).toBeUndefined();
  });

  it('remembers a hash of each document parsed, never its text, and nothing of one that does not parse', () => {
    operationTypes.clear();
    const long = `query Long { deal(id: "${'x'.repeat(100_000)}") { title } }`;
    expect(operationTypeOf(long, 'Long')).toBe('query');
    expect(operationTypeOf(`${long} {`, undefined)).toBeUndefined();
    const keys = [...operationTypes.keys()];
    expect(keys).toHaveLength(1);
    expect(keys[0]!.length).toBeLessThan(100);
    expect(operationTypeOf(long, 'Long')).toBe('query');
  });

  it('picks the named operation of a document with several', () => {
    const document = 'query A { a } mutation B { b }';
    expect(operationTypeOf(document, 'A')).toBe('query');
    expect(operationTypeOf(document, 'B')).toBe('mutation');
    expect(operationTypeOf(document, undefined)).toBeUndefined();
  });
});
