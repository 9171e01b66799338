/** The subgraphs, with the URLs they listen on locally; SUBGRAPH_<NAME>_URL overrides one in any other place. */
export const subgraphs = [
  { name: 'contacts', localUrl: 'http://127.0.0.1:4001/graphql' },
  { name: 'deals', localUrl: 'http://127.0.0.1:4002/graphql' },
  { name: 'activities', localUrl: 'http://127.0.0.1:4003/graphql' },
  { name: 'analytics', localUrl: 'http://127.0.0.1:4004/graphql' },
] as const;

export type SubgraphName = (typeof subgraphs)[number]['name'];

export const subgraphUrlVariable = (name: string) => `SUBGRAPH_${name.toUpperCase()}_URL`;
