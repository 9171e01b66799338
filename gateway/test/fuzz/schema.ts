import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, getNamedType, isObjectType, type GraphQLField, type GraphQLObjectType, type GraphQLSchema } from 'graphql';

/**
 * The client-facing schema, read from the composed supergraph the gateway serves: the fuzz
 * derives every operation from it, so a field added to a subgraph is fuzzed without a change here.
 */
export function loadSupergraphSchema(): GraphQLSchema {
  const sdl = readFileSync(resolve(__dirname, '../../supergraph.graphql'), 'utf8');
  return buildSchema(sdl, { assumeValidSDL: true });
}

export type RootKind = 'query' | 'mutation';

export interface RootField {
  kind: RootKind;
  field: GraphQLField<unknown, unknown>;
}

export function rootFields(schema: GraphQLSchema): RootField[] {
  const of = (kind: RootKind, type: GraphQLObjectType | null | undefined) => Object.values(type?.getFields() ?? {}).map((field) => ({ kind, field }));
  return [...of('query', schema.getQueryType()), ...of('mutation', schema.getMutationType())];
}

/** The fields a client may select on an object type (the federation's join__ and link__ types are not the API). */
export function selectableFields(type: GraphQLObjectType): GraphQLField<unknown, unknown>[] {
  return Object.values(type.getFields()).filter((field) => !getNamedType(field.type).name.startsWith('join__'));
}

export const isObjectField = (field: GraphQLField<unknown, unknown>) => isObjectType(getNamedType(field.type));
