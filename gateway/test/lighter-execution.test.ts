// installLighterExecution puts our two steps inside @apollo/gateway's execution. Checked on a
// real ApolloGateway over two in-process subgraphs: Apollo's execution calls our result shaping
// and reuses one operation per cached document, and the answers are right. If an upgrade of
// @apollo/gateway stops reading either step through the modules we replace, this fails.
import { composeServices } from '@apollo/composition';
import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { installLighterExecution } from '../src/lighter-execution';
import { computeResponse } from '../src/result-shaping';

/* eslint-disable @typescript-eslint/no-require-imports -- the same module objects Apollo's execution reads */
const operations = require('@apollo/federation-internals/dist/operations') as { operationFromDocument: (...args: unknown[]) => unknown };
const resultShaping = require('@apollo/gateway/dist/resultShaping') as { computeResponse: (...args: unknown[]) => unknown };
/* eslint-enable @typescript-eslint/no-require-imports */

const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const sdl = {
  companies: `${link} type Company @key(fields: "id") { id: ID! name: String! } type Query { company(id: ID!): Company }`,
  deals: `${link} type Company @key(fields: "id") { id: ID! deals: [Deal!]! } type Deal { id: ID! title: String! }`,
};
const subgraphs = {
  companies: buildSubgraphSchema({
    typeDefs: parse(sdl.companies),
    resolvers: {
      Query: { company: (_: unknown, { id }: { id: string }) => ({ id, name: `Company ${id}` }) },
      Company: { __resolveReference: ({ id }: { id: string }) => ({ id, name: `Company ${id}` }) },
    },
  }),
  deals: buildSubgraphSchema({
    typeDefs: parse(sdl.deals),
    resolvers: { Company: { deals: ({ id }: { id: string }) => [1, 2].map((n) => ({ id: `${id}-${n}`, title: `Deal ${n} of ${id}` })) } },
  }),
};

let server: ApolloServer;

beforeAll(async () => {
  const composed = composeServices(Object.entries(sdl).map(([name, text]) => ({ name, url: `http://${name}.invalid/graphql`, typeDefs: parse(text) })));
  if (!composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((error) => error.message).join('; ')}`);
  installLighterExecution();
  server = new ApolloServer({
    gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl, buildService: ({ name }) => new LocalGraphQLDataSource(subgraphs[name as keyof typeof subgraphs]) }),
  });
  await server.start();
});

afterAll(async () => {
  await server?.stop();
});

const query = 'query Page($id: ID!) { company(id: $id) { id name deals { id title } again: deals { title } } }';

test("Apollo's execution shapes results with ours and builds one operation per cached document", async () => {
  expect(resultShaping.computeResponse).toBe(computeResponse);
  const shaping = jest.spyOn(resultShaping, 'computeResponse');
  const building = jest.spyOn(operations, 'operationFromDocument');
  try {
    const answers = [];
    for (const id of ['c1', 'c2', 'c3']) {
      const response = await server.executeOperation({ query, variables: { id } });
      answers.push(response.body.kind === 'single' ? response.body.singleResult : undefined);
    }
    expect(answers.map((answer) => answer?.errors)).toEqual([undefined, undefined, undefined]);
    expect(JSON.parse(JSON.stringify(answers[1]?.data))).toEqual({
      company: { id: 'c2', name: 'Company c2', deals: [{ id: 'c2-1', title: 'Deal 1 of c2' }, { id: 'c2-2', title: 'Deal 2 of c2' }], again: [{ title: 'Deal 1 of c2' }, { title: 'Deal 2 of c2' }] },
    });
    expect(shaping).toHaveBeenCalledTimes(3);
    // Execution asks for the operation without validation on every request; all get the same one.
    const executed = building.mock.calls.flatMap((call, index) => ((call[2] as { validate?: boolean } | undefined)?.validate === false ? [building.mock.results[index]!.value] : []));
    expect(executed).toHaveLength(3);
    expect(new Set(executed).size).toBe(1);
  } finally {
    shaping.mockRestore();
    building.mockRestore();
  }
});
