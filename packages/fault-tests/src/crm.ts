import { dataOf, gatewayClient, testIdentity, type GraphQLResponse, type Stack } from '@crm/testing';

/** The stages every fault test's pipeline has, in order. */
export const STAGES = ['Lead', 'Meeting', 'Proposal', 'Won'] as const;

export interface Pipeline {
  id: string;
  stageIds: string[];
}

export type Call = <T = any>(query: string, variables?: object) => Promise<GraphQLResponse<T>>;

/**
 * One tenant's user on the gateway, with the writes the fault tests make. Every call answers
 * the raw GraphQL response: a test under faults decides itself what a failure means.
 */
export function crmUser(stack: Stack) {
  const identity = testIdentity(undefined, ['admin']);
  const call: Call = gatewayClient(stack.gatewayUrl, identity);
  return {
    identity,
    tenantId: identity.tenantId,
    call,
    createCompany: (name: string) => call<{ createCompany: { id: string } }>(`mutation ($name: String!) { createCompany(input: { name: $name }) { id } }`, { name }),
    createDeal: (title: string, companyId: string, pipelineId: string) =>
      call<{ createDeal: { id: string } }>(`mutation ($input: CreateDealInput!) { createDeal(input: $input) { id } }`, {
        input: { title, companyId, pipelineId, amount: 1000, currency: 'EUR' },
      }),
    moveDeal: (id: string, stageId: string) =>
      call<{ moveDealToStage: { id: string } }>(`mutation ($id: ID!, $stageId: ID!) { moveDealToStage(id: $id, stageId: $stageId) { id } }`, { id, stageId }),
    async createPipeline(name: string): Promise<Pipeline> {
      const stages = STAGES.map((stage, i) => ({ name: stage, probability: i / (STAGES.length - 1) }));
      const { createPipeline } = dataOf(
        await call<{ createPipeline: { id: string; stages: { id: string }[] } }>(
          `mutation ($input: CreatePipelineInput!) { createPipeline(input: $input) { id stages { id } } }`,
          { input: { name, stages } },
        ),
      );
      return { id: createPipeline.id, stageIds: createPipeline.stages.map((stage) => stage.id) };
    },
    /** The funnel as a user sees it: deals that reached each stage, in order. */
    async funnel(pipelineId: string): Promise<{ totalDeals: number; reached: number[] } | undefined> {
      const response = await call<{ funnel: { totalDeals: number; stages: { reached: number }[] } }>(
        `query ($id: ID!) { funnel(pipelineId: $id) { totalDeals stages { reached } } }`,
        { id: pipelineId },
      );
      const funnel = response.data?.funnel;
      return funnel ? { totalDeals: funnel.totalDeals, reached: funnel.stages.map((stage) => stage.reached) } : undefined;
    },
  };
}

export type CrmUser = ReturnType<typeof crmUser>;

/** What a pipeline's funnel must show for deals whose furthest stage positions are `furthest`. */
export function expectedFunnel(furthest: number[]): { totalDeals: number; reached: number[] } {
  return { totalDeals: furthest.length, reached: STAGES.map((_stage, i) => furthest.filter((position) => position >= i).length) };
}
