// npm run bench: every figure of the project side by side, in one run on one machine.
// BENCH_ONLY=store,gateway,slice,contacts,import,analytics,routing picks sections. Prints tables; never asserts.
import { printSection, writeReport, type Section } from './report';

const sections: Record<string, () => Promise<Section[]>> = {
  store: async () => (await import('./store/store.bench.js')).run(),
  gateway: async () => (await import('./gateway/gateway.bench.js')).run(),
  slice: async () => (await import('./slice/slice.bench.js')).run(),
  contacts: async () => (await import('./contacts/companies-page.js')).run(),
  import: async () => (await import('./import/import.bench.js')).run(),
  analytics: async () => (await import('./analytics/analytics.bench.js')).run(),
  routing: async () => (await import('./routing/routing.bench.js')).run(),
};

async function main() {
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()).filter(Boolean) ?? Object.keys(sections);
  const done: Section[] = [];
  for (const name of only) {
    const section = sections[name];
    if (!section) throw new Error(`unknown bench section "${name}" (known: ${Object.keys(sections).join(', ')})`);
    console.log(`\n[bench] ${name}...`);
    for (const result of await section()) {
      printSection(result);
      done.push(result);
    }
  }
  console.log(`\n[bench] figures written to ${writeReport(done)}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
