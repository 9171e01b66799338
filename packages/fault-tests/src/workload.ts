import { waitFor, type GraphQLResponse } from '@crm/testing';
import { expectedFunnel, type CrmUser, type Pipeline } from './crm';

export interface DealWrites {
  /** Stage position now. */
  position: number;
  /** Furthest stage position reached: what the funnel counts. */
  furthest: number;
  /** Successful moves: one stage task each. */
  moves: number;
}

/** Counts of one kind of mutation. */
export interface Tally {
  sent: number;
  succeeded: number;
  failed: number;
}

/**
 * Every write one tenant made and whether it succeeded: what the read models must show once
 * the events went through (the expected side of every comparison).
 */
export class Writes {
  readonly companies: string[] = [];
  readonly deals = new Map<string, DealWrites>();
  readonly tally: Record<'createCompany' | 'createDeal' | 'moveDealToStage', Tally> = {
    createCompany: { sent: 0, succeeded: 0, failed: 0 },
    createDeal: { sent: 0, succeeded: 0, failed: 0 },
    moveDealToStage: { sent: 0, succeeded: 0, failed: 0 },
  };
  /** What the test is doing now ('outage', say): each mutation counts in the phase it was sent in. */
  phase = 'start';
  readonly byPhase = new Map<string, Tally>();
  /** Error codes (or messages) of failed mutations, for the figures. */
  readonly failures = new Map<string, number>();

  constructor(
    readonly user: CrmUser,
    readonly pipeline: Pipeline,
  ) {}

  private async record<T>(kind: keyof Writes['tally'], call: () => Promise<GraphQLResponse<T>>): Promise<T | undefined> {
    const phase = this.byPhase.get(this.phase) ?? { sent: 0, succeeded: 0, failed: 0 };
    this.byPhase.set(this.phase, phase);
    this.tally[kind].sent += 1;
    phase.sent += 1;
    let response: GraphQLResponse<T>;
    try {
      response = await call();
    } catch (error) {
      response = { errors: [{ message: `no answer: ${(error as Error).message}` }] };
    }
    if (response.errors?.length || !response.data) {
      this.tally[kind].failed += 1;
      phase.failed += 1;
      const error = response.errors?.[0];
      const reason = `${kind}: ${error?.extensions?.code ?? error?.message ?? 'no data'}`;
      this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
      return undefined;
    }
    this.tally[kind].succeeded += 1;
    phase.succeeded += 1;
    return response.data;
  }

  async createCompany(name: string): Promise<string | undefined> {
    const data = await this.record('createCompany', () => this.user.createCompany(name));
    if (data) this.companies.push(data.createCompany.id);
    return data?.createCompany.id;
  }

  async createDeal(title: string, companyId: string): Promise<string | undefined> {
    const data = await this.record('createDeal', () => this.user.createDeal(title, companyId, this.pipeline.id));
    if (data) this.deals.set(data.createDeal.id, { position: 0, furthest: 0, moves: 0 });
    return data?.createDeal.id;
  }

  /** Moves a deal to another stage than its own (never two moves of one deal at once: the caller owns it). */
  async moveDeal(id: string, pick = Math.random()): Promise<boolean> {
    const deal = this.deals.get(id)!;
    const others = this.pipeline.stageIds.map((_id, position) => position).filter((position) => position !== deal.position);
    const to = others[Math.floor(pick * others.length)]!;
    const data = await this.record('moveDealToStage', () => this.user.moveDeal(id, this.pipeline.stageIds[to]!));
    if (!data) return false;
    deal.position = to;
    deal.furthest = Math.max(deal.furthest, to);
    deal.moves += 1;
    return true;
  }

  /** A company the deals service knows: created, then a first deal for it once deals learnt of it. */
  async knownCompany(name: string): Promise<string> {
    const companyId = await this.createCompany(name);
    if (!companyId) throw new Error(`createCompany ${name} failed: ${[...this.failures.keys()].join(', ')}`);
    // Deals refuses a deal for a company it does not know yet; retried until it does (bounded).
    await waitFor(
      async () => {
        const { data } = await this.user.createDeal(`${name} first deal`, companyId, this.pipeline.id);
        if (data) this.deals.set(data.createDeal.id, { position: 0, furthest: 0, moves: 0 });
        return data;
      },
      { timeoutMs: 30_000, what: `deals to know company ${name}` },
    );
    return companyId;
  }

  get sent(): number {
    return Object.values(this.tally).reduce((sum, tally) => sum + tally.sent, 0);
  }

  get succeeded(): number {
    return Object.values(this.tally).reduce((sum, tally) => sum + tally.succeeded, 0);
  }

  get moves(): number {
    return [...this.deals.values()].reduce((sum, deal) => sum + deal.moves, 0);
  }

  /** Stage tasks each deal must have: one per successful move. */
  tasksByDeal(): Map<string, number> {
    return new Map([...this.deals].map(([id, deal]) => [id, deal.moves]));
  }

  funnel() {
    return expectedFunnel([...this.deals.values()].map((deal) => deal.furthest));
  }
}

/**
 * A stream of mutations by `workers` users at once, each on its own deals (a deal is never
 * moved twice at once): creates companies and deals, and moves deals, until `stop()`.
 */
export function mutationStream(writes: Writes, companyIds: string[], { workers = 3, pauseMs = 300 } = {}) {
  let running = true;
  let step = 0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const worker = async (w: number) => {
    const own: string[] = [];
    while (running) {
      step += 1;
      const roll = step % 5;
      if (roll === 0) await writes.createCompany(`Stream company ${w}-${step}`);
      else if (roll === 1 || own.length === 0) {
        const id = await writes.createDeal(`Stream deal ${w}-${step}`, companyIds[step % companyIds.length]!);
        if (id) own.push(id);
      } else await writes.moveDeal(own[step % own.length]!);
      await sleep(pauseMs);
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_v, w) => worker(w)));
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}
