// Fills a tenant with realistic demo data through the running platform's gateway (start it with `npm start`):
//   npm run demo:seed -- [--tenant demo] [--companies 200] [--leads 60] [--seed 42] [--gateway http://127.0.0.1:4000/graphql] [--no-erp]
// Then: TOKEN=$(npm run -s token -- --tenant demo --user demo-admin --role head_of_sales) and the README's queries.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { seedDemo } from '../src';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 'demo' },
    companies: { type: 'string', default: '200' },
    leads: { type: 'string', default: '60' },
    seed: { type: 'string', default: '42' },
    gateway: { type: 'string', default: process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000/graphql' },
    concurrency: { type: 'string', default: '6' },
    'no-erp': { type: 'boolean', default: false },
  },
});
const companies = Number(values.companies);
if (!Number.isInteger(companies) || companies < 1 || companies > 5000) {
  console.error('--companies must be a whole number from 1 to 5000');
  process.exit(2);
}

const leads = Number(values.leads);
if (!Number.isInteger(leads) || leads < 0 || leads > 100_000) {
  console.error('--leads must be a whole number from 0 to 100000');
  process.exit(2);
}

async function main() {
  const started = Date.now();
  const result = await seedDemo({
    gatewayUrl: values.gateway,
    tenantId: values.tenant,
    companies,
    leads,
    seed: Number(values.seed),
    concurrency: Number(values.concurrency),
    log: (line) => console.log(`[demo] ${line}`),
  });
  if (!values['no-erp'] && result.companies.length > 0) {
    console.log('[demo] ERP purchases (orders, shipments, payments) for 40% of the companies');
    const buyers = result.companies.filter((_, i) => i % 5 < 2);
    const erp = spawnSync('npm', ['run', '-s', 'erp:simulate', '--', '--tenant', values.tenant, '--companies', buyers.join(','), '--seed', values.seed], { stdio: 'inherit' });
    if (erp.status !== 0) result.failures.push(`erp:simulate exited with ${erp.status}`);
  }
  console.log(
    `[demo] tenant ${values.tenant}: ${result.companies.length} companies, ${result.contacts} contacts, ${result.pipelines.length} pipelines, ` +
      `deals ${result.deals.open} open / ${result.deals.won} won / ${result.deals.lost} lost, ${result.concessions} concession requests, ` +
      `${result.users} users in ${result.teams} teams, ${result.territories} territories, in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  const { teams, rules, leads: lead } = result.leads;
  console.log(
    `[demo] leads: ${teams} teams, ${rules} routing rules; ${lead.posted} leads, ${lead.assigned} routed, ${lead.accepted} accepted, ` +
      `${lead.qualified} qualified, ${lead.disqualified} disqualified, ${lead.converted} converted (their deals made by the deals service)`,
  );
  for (const failure of result.failures.slice(0, 20)) console.log(`[demo] refused: ${failure}`);
  if (result.failures.length > 20) console.log(`[demo] ... and ${result.failures.length - 20} more refusals`);
  console.log(`[demo] try it: TOKEN=$(npm run -s token -- --tenant ${values.tenant} --user demo-admin --role admin --role head_of_sales), then the queries in the README ("Demo data")`);
}

main().catch((error: unknown) => {
  console.error(`[demo] ${(error as Error).message}`);
  process.exit(1);
});
