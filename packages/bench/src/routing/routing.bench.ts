// Lead routing through the real gateway and contacts service (`node dist/main.js`): leads posted
// to POST /webhooks/leads with a tenant's API key, routed round robin to a team of 5 at once.
// Figures: leads/s answered by the webhook, leads/s routed and assigned (until the last
// LeadAssigned is on the topic), and the latency from posting a lead to its LeadAssigned as a
// consumer sees it (p50, p99). BENCH_ROUTING_LEADS (2000), BENCH_ROUTING_CONCURRENCY (50).
// Prints figures, asserts nothing.
import { performance } from 'node:perf_hooks';
import { topics } from '@crm/events';
import { readTopics } from '@crm/messaging/testing';
import { dataOf, gatewayClient, startStack, testIdentity, waitFor } from '@crm/testing';
import mongoose, { Types } from 'mongoose';
import type { Section } from '../report';

const LEADS = Number(process.env.BENCH_ROUTING_LEADS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_ROUTING_CONCURRENCY ?? 50);
/** How often the topic reader's messages are looked at: the latency's resolution. */
const STAMP_MS = 10;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

export async function run(): Promise<Section[]> {
  const stack = await startStack();
  const reader = await readTopics([topics.lead]);
  try {
    const admin = testIdentity(undefined, ['admin']);
    const call = gatewayClient(stack.gatewayUrl, admin);
    // The team, straight into the contacts store (the directory's API is another module's).
    const database = stack.processes.find((process) => process.name === 'contacts')!.database!;
    const connection = await mongoose.createConnection(process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017', { dbName: database }).asPromise();
    const teamId = new Types.ObjectId();
    const members = ['rep-1', 'rep-2', 'rep-3', 'rep-4', 'rep-5'];
    await connection.collection('teams').insertOne({ _id: teamId, tenantId: admin.tenantId, name: 'Inbound', leadId: 'head', memberIds: members, territoryIds: [], industries: [], keyCompanyIds: [], revision: 0, deleted: false });
    await connection.close();
    dataOf(await call(`mutation ($teamId: ID!) { createRoutingRule(input: { name: "all", teamId: $teamId, method: ROUND_ROBIN, slaMinutes: 30 }) { id } }`, { teamId: teamId.toString() }));
    const key = dataOf(await call(`mutation { createLeadApiKey(channel: WEB_FORM, name: "bench") { secret } }`)).createLeadApiKey.secret as string;
    const webhook = stack.gatewayUrl.replace(/\/graphql$/, '/webhooks/leads');

    // Arrival times of LeadAssigned by lead id, stamped as the reader receives them.
    const assignedAt = new Map<string, number>();
    let seen = 0;
    const stamp = setInterval(() => {
      for (; seen < reader.messages.length; seen += 1) {
        const event = reader.messages[seen]!.event;
        if (event?.type === 'LeadAssigned' && event.tenantId === admin.tenantId && !assignedAt.has(event.aggregateId)) assignedAt.set(event.aggregateId, performance.now());
      }
    }, STAMP_MS);

    /** Posts `count` leads, `concurrency` at a time, and waits for all their LeadAssigned: one row of figures. */
    const round = async (count: number, concurrency: number, prefix: string) => {
      const sentAt = new Map<string, number>();
      let next = 0;
      let failed = 0;
      const started = performance.now();
      const sender = async () => {
        while (next < count) {
          const index = next++;
          const at = performance.now();
          const response = await fetch(webhook, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': key },
            body: JSON.stringify({ externalId: `${prefix}-${index}`, name: `Lead ${index}`, email: `lead${index}@bench.example`, companyName: `Company ${index}`, language: 'de' }),
          });
          const answer = (await response.json()) as { leadId?: string };
          if (response.status !== 201 || !answer.leadId) {
            failed += 1;
            continue;
          }
          sentAt.set(answer.leadId, at);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, sender));
      const answeredSeconds = (performance.now() - started) / 1000;
      await waitFor(() => [...sentAt.keys()].every((id) => assignedAt.has(id)), { timeoutMs: 600_000, intervalMs: 100, what: 'every LeadAssigned on the topic' });
      const lastAssigned = Math.max(...[...sentAt.keys()].map((id) => assignedAt.get(id)!));
      const latencies = [...sentAt].map(([id, at]) => assignedAt.get(id)! - at).sort((a, b) => a - b);
      return {
        leads: count,
        'at a time': concurrency,
        failed,
        'answered leads/s': Math.round(sentAt.size / answeredSeconds),
        'routed+assigned leads/s': Math.round(sentAt.size / ((lastAssigned - started) / 1000)),
        'p50 ms to LeadAssigned': Math.round(percentile(latencies, 50)),
        'p99 ms to LeadAssigned': Math.round(percentile(latencies, 99)),
      };
    };
    // One at a time: the latency of one lead on an idle service; then the throughput of a burst.
    const single = await round(Math.max(1, Math.round(LEADS / 20)), 1, 'single');
    const burst = await round(LEADS, CONCURRENCY, 'burst');
    clearInterval(stamp);
    const perMember = new Map<string, number>();
    for (const message of reader.messages) {
      const data = message.event?.type === 'LeadAssigned' && message.event.tenantId === admin.tenantId ? (message.event.data as { assigneeId: string }) : null;
      if (data) perMember.set(data.assigneeId, (perMember.get(data.assigneeId) ?? 0) + 1);
    }
    const spread = members.map((member) => perMember.get(member) ?? 0).join('/');
    return [
      {
        title: `routing: leads posted to POST /webhooks/leads, routed round robin to a team of 5 (each lead to its LeadAssigned on the topic)`,
        columns: ['leads', 'at a time', 'failed', 'answered leads/s', 'routed+assigned leads/s', 'p50 ms to LeadAssigned', 'p99 ms to LeadAssigned'],
        rows: [single, burst],
        notes: [
          'Latency: from posting the lead to the gateway until a consumer of crm.contacts.lead received its LeadAssigned (through the outbox relay), stamped every 10 ms.',
          'Each lead is one insert carrying LeadCreated and LeadAssigned; its turn is one atomic $inc on the rule\'s counter.',
          `Leads per member over both rounds: ${spread} (the rotation is exact).`,
        ],
      },
    ];
  } finally {
    await reader.close();
    await stack.stop();
  }
}
