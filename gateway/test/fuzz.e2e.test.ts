import { LOCAL_JWT_SECRET, signUserToken, type Identity } from '@crm/auth';
import { testIdentity, uniqueId } from '@crm/testing';
import fc from 'fast-check';
import { getNamedType, isObjectType } from 'graphql';
import { classify, writtenIds, type Answer } from './fuzz/answers';
import { toJson } from './fuzz/json';
import { argumentPositions, categories, fullSelection, fuzzCases, type FuzzCase, type FuzzSetup } from './fuzz/operations';
import { loadSupergraphSchema, rootFields } from './fuzz/schema';
import { seedTenant } from './fuzz/seed';
import { diffSnapshots, mutationWrites, storeHasher, summarize, type StoreHasher } from './fuzz/store';
import { startStack, type Stack } from '@crm/testing';

/** FUZZ_RUNS and FUZZ_SEED replay or widen a run; the seed of every run is printed. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
/** Requests in flight at once; one operation per request, so that each answer is its input's. */
const IN_FLIGHT = 12;
/** Requests between two snapshots of the store: every refused mutation among them is checked against both. */
const BATCH = 96;
/**
 * No answer within this is a violation (a hang). The gateway gives each subgraph call 10 s, and a
 * request's mutation fields run one after another. 15 s was too short in a loaded CI run: 10 of
 * 10,000 requests, all in flight at once, had no answer in time while the stack was starved.
 */
const REQUEST_TIMEOUT_MS = 60_000;

let stack: Stack;
let hasher: StoreHasher;
let setup: FuzzSetup;
let foreignMarker: string;
const tokens = new Map<string, string>();

beforeAll(async () => {
  stack = await startStack();
  const url = process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
  const foreign = testIdentity(undefined, ['admin']);
  const queries = testIdentity(undefined, ['admin']);
  const mutations = testIdentity(undefined, ['admin']);
  const tenants = [foreign, queries, mutations].map(({ tenantId }) => tenantId);
  hasher = await storeHasher(url, (service) => stack.databases.find((name) => name.endsWith(`_${service}`))!, tenants);
  foreignMarker = uniqueId('SECRETA').replace('-', '');
  const [foreignIds, queryIds, mutationIds] = await Promise.all([
    seedTenant(stack.gatewayUrl, foreign, foreignMarker),
    seedTenant(stack.gatewayUrl, queries, uniqueId('Q').replace('-', '')),
    seedTenant(stack.gatewayUrl, mutations, uniqueId('M').replace('-', ''), { companies: 2, contactsPerCompany: 1 }),
  ]);
  setup = { schema: loadSupergraphSchema(), foreign: foreignIds, queryTenant: queryIds, mutationTenant: mutationIds };
  const sign = async (key: string, identity: Identity) => tokens.set(key, await signUserToken(identity, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET));
  await sign('query admin', queries);
  await sign('mutation admin', mutations);
  await sign('mutation manager', { ...mutations, roles: ['manager'] });
}, 180_000);

afterAll(async () => {
  await hasher?.close();
  await stack?.stop();
}, 120_000);

async function send(fuzzCase: FuzzCase): Promise<Answer> {
  const token = tokens.get(`${fuzzCase.kind === 'mutation' ? 'mutation' : 'query'} ${fuzzCase.role}`) ?? tokens.get('query admin')!;
  try {
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: toJson({ query: fuzzCase.query, variables: fuzzCase.variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return classify(response.status, response.headers.get('content-type') ?? '', await response.text());
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return { status: 0, codes: ['no answer'], data: undefined, body: '', refusedRoots: new Set(), refusedWhole: false, violation: `no answer: ${(error as Error).message}${cause ? ` (${cause.message})` : ''}` };
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const increment = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

describe('fuzzing through the gateway', () => {
  it('derives its operations from every root field of the supergraph, and knows what each mutation writes', () => {
    const roots = rootFields(loadSupergraphSchema());
    expect(roots.filter((root) => root.kind === 'query').length).toBeGreaterThan(0);
    const mutations = roots.filter((root) => root.kind === 'mutation').map((root) => root.field.name);
    expect(mutations.filter((name) => !mutationWrites[name])).toEqual([]);
  });

  it("never answers another tenant's records to a caller that names their ids", async () => {
    expect(stack.processes.filter((proc) => !isAlive(proc.pid))).toEqual([]);
    const token = tokens.get('query admin')!;
    const foreignIds = [...setup.foreign.company, ...setup.foreign.contact, ...setup.foreign.pipeline, ...setup.foreign.deal, ...setup.foreign.activity, ...setup.foreign.stage];
    const codes: Record<string, number> = {};
    for (const { kind, field } of rootFields(setup.schema)) {
      const type = getNamedType(field.type);
      if (kind !== 'query' || !isObjectType(type)) continue;
      for (const arg of field.args.filter((candidate) => getNamedType(candidate.type).name === 'ID')) {
        const ask = async (depth: number, id: string) => {
          const query = `query ($id: ${arg.type.toString()}) { ${field.name}(${arg.name}: $id) { ${fullSelection(type, depth)} } }`;
          const response = await fetch(stack.gatewayUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query, variables: { id } }),
          });
          return classify(response.status, response.headers.get('content-type') ?? '', await response.text());
        };
        // The deepest selection the gateway's limits let through: a refused query would prove nothing.
        const limited = (answer: Answer) => answer.codes.some((code) => code === 'GRAPHQL_PARSE_FAILED' || code === 'QUERY_TOO_COMPLEX');
        let depth = 3;
        while (depth > 0 && limited(await ask(depth, foreignIds[0]!))) depth -= 1;
        for (const id of foreignIds) {
          const answer = await ask(depth, id);
          expect({ field: field.name, depth, limited: limited(answer) && answer.body.slice(0, 300) }).toEqual({ field: field.name, depth, limited: false });
          increment(codes, `${field.name}(${arg.name}): ${answer.codes.join('+')}`);
          expect(answer.violation).toBeUndefined();
          expect(answer.body).not.toContain(foreignMarker);
        }
      }
    }
    console.log(`foreign ids asked for: ${JSON.stringify(codes)}`);
    expect(Object.keys(codes).length).toBeGreaterThan(0);
  }, 180_000);

  it('answers 10,000 generated inputs with data or known codes, and refused mutations leave the store as it was', async () => {
    const cases = fc.sample(fuzzCases(setup), { numRuns: RUNS, seed: SEED });
    const violations: string[] = [];
    const leak = (answer: Answer) => answer.body.includes(foreignMarker);
    const foreignIds = new Set([...setup.foreign.company, ...setup.foreign.contact, ...setup.foreign.pipeline, ...setup.foreign.deal, ...setup.foreign.activity]);
    const sent: Record<string, number> = {};
    const byCode: Record<string, number> = {};
    const covered = new Set<string>();
    let dataAnswers = 0;
    let refusedChecked = 0;
    let collectionsCompared = 0;
    let succeededWrites = 0;
    const validData: Record<string, number> = {};
    const started = Date.now();

    const hasEffects = (fuzzCase: FuzzCase) => fuzzCase.kind === 'mutation' && (mutationWrites[fuzzCase.field]?.effects?.length ?? 0) > 0;
    const collectionsOf = (batch: FuzzCase[]) => [
      ...new Set(batch.filter((fuzzCase) => fuzzCase.kind === 'mutation').map(({ field }) => `${mutationWrites[field]!.service}.${mutationWrites[field]!.collection}`)),
    ];
    /** The collections once unchanged over two looks 1 s apart (consumers done), 20 s at most. */
    const settle = async (collections: string[]) => {
      let last = await hasher.snapshot(collections);
      let quiet = 0;
      for (const deadline = Date.now() + 20_000; quiet < 2 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const now = await hasher.snapshot(collections);
        quiet = diffSnapshots(last, now, new Set()).length === 0 ? quiet + 1 : 0;
        last = now;
      }
      return last;
    };
    const before = await hasher.snapshot();
    const first = summarize(before);
    /**
     * Sends a batch, then compares the store with the snapshot before it, but for the records
     * the succeeded mutations name. A mutation answer nulled by a sibling alias's error (the
     * mutation fields are non-null) hides what its succeeded aliases wrote: such a request runs
     * in a batch of its own, and the store may change by at most that many records.
     */
    const runBatch = async (batch: FuzzCase[]) => {
      // Cases with effects on records their answers do not name run last, against a fresh snapshot.
      if (batch.some(hasEffects)) for (const [collection, docs] of await hasher.snapshot(collectionsOf(batch))) before.set(collection, docs);
      const answers = await pool(batch, IN_FLIGHT, send);
      const written = new Set<string>();
      const refused: FuzzCase[] = [];
      let hidden = 0;
      const effects = new Set<string>(); // of the mutations that succeeded, or may have
      batch.forEach((fuzzCase, i) => {
        const answer = answers[i]!;
        increment(sent, fuzzCase.category);
        for (const code of answer.codes) increment(byCode, code);
        if (fuzzCase.position) covered.add(`${fuzzCase.field}.${fuzzCase.position}`);
        if (answer.codes[0] === 'data') dataAnswers++;
        if (fuzzCase.category === 'valid' && answer.codes[0] === 'data') increment(validData, fuzzCase.kind);
        if (answer.violation) {
          const request = answer.status >= 500 ? `\n    request: ${toJson({ query: fuzzCase.query, variables: fuzzCase.variables }).slice(0, 1500)}` : '';
          violations.push(`${answer.violation} ← ${fuzzCase.describe}\n    ${answer.body.slice(0, 300)}${request}`);
        }
        if (leak(answer)) violations.push(`tenant leak: the answer holds the other tenant's data ← ${fuzzCase.describe}`);
        if (fuzzCase.kind !== 'mutation') return;
        const ids = writtenIds(answer.data);
        if (mutationWrites[fuzzCase.field]?.keyedByTenant && answer.codes[0] === 'data') ids.push(setup.mutationTenant.tenantId);
        for (const id of ids) {
          if (foreignIds.has(id)) violations.push(`tenant leak: a mutation wrote the other tenant's record ${id} ← ${fuzzCase.describe}`);
          written.add(id);
        }
        succeededWrites += ids.length;
        const unanswered = answer.status === 0 ? fuzzCase.rootAliases : 0;
        const nulled = ids.length === 0 && !answer.refusedWhole ? fuzzCase.rootAliases - answer.refusedRoots.size : 0;
        hidden += unanswered + nulled;
        if (ids.length === 0 && unanswered + nulled === 0) refused.push(fuzzCase);
        else for (const collection of mutationWrites[fuzzCase.field]?.effects ?? []) effects.add(collection);
      });
      // The collections the batch's mutations write: a refused one must leave each as it was.
      const affected = collectionsOf(batch);
      if (affected.length === 0) return;
      // Where succeeded mutations had effects, wait for them; those collections become the new baseline unchecked.
      const after = effects.size > 0 ? await settle([...new Set([...affected, ...effects])]) : await hasher.snapshot(affected);
      const checked = new Map([...after].filter(([collection]) => !effects.has(collection)));
      collectionsCompared += checked.size;
      const diffs = diffSnapshots(before, checked, written);
      const changes = diffs.reduce((sum, diff) => sum + diff.added.length + diff.removed.length + diff.changed.length, 0);
      if (changes > hidden) {
        violations.push(
          `the store changed by ${changes} records beyond the ${written.size} succeeded writes (${hidden} more hidden by a sibling's error) around refused mutations: ${JSON.stringify(diffs).slice(0, 600)}` +
            `\n    fields changed: ${JSON.stringify(diffs.flatMap(({ collection, changed }) => changed.map((id) => `${id}: ${hasher.changedFields(collection, id).join(', ')}`))).slice(0, 600)}` +
            `\n    succeeded: ${batch.filter((c) => c.kind === 'mutation' && !refused.includes(c)).map((c) => c.describe).join('; ').slice(0, 600)}` +
            // A few of the refused: CI prints the tail of a failure, and the figures above must stay in it.
            `\n    refused (${refused.length}, first 8): ${refused.slice(0, 8).map((c) => c.describe).join('\n    ')}`,
        );
      } else {
        refusedChecked += refused.length;
      }
      for (const [collection, docs] of after) before.set(collection, docs);
    };

    // Arguments first, then deep and wide selections, then several mutations in one request: the
    // heaviest come last; the cases with effects beyond their answers last of all.
    const several = (fuzzCase: FuzzCase) => fuzzCase.kind === 'mutation' && fuzzCase.rootAliases > 1 && !hasEffects(fuzzCase);
    const plain = cases.filter((fuzzCase) => !several(fuzzCase) && !hasEffects(fuzzCase));
    const batches = [
      ...chunks(plain.filter((fuzzCase) => fuzzCase.category !== 'selection'), BATCH),
      ...chunks(plain.filter((fuzzCase) => fuzzCase.category === 'selection'), BATCH),
      ...cases.filter(several).map((fuzzCase) => [fuzzCase]),
      ...chunks(cases.filter(hasEffects), BATCH),
    ];
    let done = 0;
    for (const batch of batches) {
      await runBatch(batch);
      done += batch.length;
      if (process.env.FUZZ_PROGRESS) process.stderr.write(`fuzz: ${done}/${cases.length} after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      // A dead process fails every later request: stop and report what killed it.
      if (stack.processes.some((proc) => !isAlive(proc.pid))) break;
    }
    const seconds = (Date.now() - started) / 1000;

    // Every root field's every argument position got hostile values.
    const positions = [...argumentPositions(setup.schema)].flatMap(([field, list]) => list.map((position) => `${field}.${position.path.join('.')}`));
    const uncovered = positions.filter((position) => !covered.has(position));

    // The processes are all alive and answering.
    const alive = stack.processes.filter((proc) => isAlive(proc.pid));
    const ready = await Promise.all(
      stack.processes.map(async (proc) => (await fetch(`http://127.0.0.1:${proc.port}/${proc.name === 'gateway' ? 'health' : 'ready'}`).catch(() => undefined))?.ok === true),
    );

    const last = summarize(await hasher.snapshot());
    console.log(
      [
        `fuzz seed ${SEED}: ${cases.length} inputs in ${seconds.toFixed(1)} s (${IN_FLIGHT} in flight)`,
        `inputs by category: ${JSON.stringify(sent)}`,
        `answers by code: ${JSON.stringify(byCode)}`,
        `data answers: ${dataAnswers} (valid inputs answered with data: ${JSON.stringify(validData)}); records written by succeeded mutations: ${succeededWrites}`,
        `refused mutations checked against the store: ${refusedChecked}; collection snapshots compared: ${collectionsCompared}`,
        `store first ${JSON.stringify(first)}\nstore last  ${JSON.stringify(last)}`,
        `argument positions fuzzed: ${covered.size} of ${positions.length}; processes alive: ${alive.length} of ${stack.processes.length}`,
        `violations: ${violations.length}`,
      ].join('\n'),
    );
    const grouped = new Map<string, string[]>();
    for (const violation of violations) {
      const key = violation.split(' ← ')[0]!.slice(0, 120);
      grouped.set(key, [...(grouped.get(key) ?? []), violation]);
    }
    const report = [...grouped].map(([key, list]) => `${list.length} × ${key}\n  e.g. ${list.slice(0, 3).join('\n  e.g. ')}`);
    if (report.length > 0) console.log(report.join('\n'));
    // What the services logged about errors they did not expect: the cause of an INTERNAL_SERVER_ERROR.
    const unexpected = stack.output.filter((line) => line.includes('unexpected error'));
    if (unexpected.length > 0) console.log(unexpected.slice(0, 5).join('\n').slice(0, 4000));
    const dead = stack.processes.filter((proc) => !alive.includes(proc));
    if (dead.length > 0) console.log(stack.output.filter((line) => dead.some((proc) => line.startsWith(`${proc.name}`))).slice(-40).join(''));

    expect(cases.length).toBeGreaterThanOrEqual(Math.min(RUNS, 10_000));
    expect(categories.filter((category) => !sent[category])).toEqual([]);
    expect(uncovered).toEqual([]);
    // The plausible inputs must mostly pass, or the refusals above prove nothing about validation.
    expect(validData.query ?? 0).toBeGreaterThan((sent.valid ?? 0) * 0.2);
    expect(validData.mutation ?? 0).toBeGreaterThan(0);
    expect(refusedChecked).toBeGreaterThan(0);
    expect(alive.map((proc) => proc.name)).toEqual(stack.processes.map((proc) => proc.name));
    expect(ready.every(Boolean)).toBe(true);
    expect(stack.output.filter((line) => / exited \(/.test(line))).toEqual([]);
    // CI shows the tail of a failure: the seed to replay it and each kind's first case, short.
    const brief = [...grouped].map(([key, list]) => `${list.length} × ${key}: ${list[0]!.slice(0, 1_200)}`);
    expect({ seed: SEED, violations: brief }).toEqual({ seed: SEED, violations: [] });
    // A guard against a hang only (each request has its own timeout): on 2 slow cores shared with
    // two other workspaces' tests, the 10,000 inputs took 273-584 s.
  }, 1_200_000);

  it('answers a body that is not JSON, or too large, with a code and JSON', async () => {
    const token = tokens.get('query admin')!;
    const post = (body: string) => fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    const codeOf = async (response: Response) => [response.status, ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code];
    expect(await codeOf(await post('{"query": "{ pipelines { id } }"'))).toEqual([400, 'BAD_REQUEST']);
    expect(await codeOf(await post(`{"query": "{ pipelines { id } }", "variables": {"x": "${'a'.repeat(1_200_000)}"}}`))).toEqual([413, 'BAD_REQUEST']);
  });


});
