// Composes the supergraph from the subgraphs' .graphql files into gateway/supergraph.graphql.
//   npm run compose            write it
//   npm run compose -- --check fail if the committed file differs from a fresh composition (CI)
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { subgraphs } from '../src/subgraphs';

const root = resolve(__dirname, '../..');
const output = resolve(__dirname, '../supergraph.graphql');

function graphqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? graphqlFiles(join(dir, entry.name)) : entry.name.endsWith('.graphql') ? [join(dir, entry.name)] : []))
    .sort();
}

const services = subgraphs.map(({ name, localUrl }) => {
  const files = graphqlFiles(join(root, 'services', name, 'src'));
  const sdl = files.map((file) => `# ${relative(root, file)}\n${readFileSync(file, 'utf8')}`).join('\n');
  return { name, url: localUrl, typeDefs: parse(sdl) };
});

const result = composeServices(services);
if (result.errors) {
  console.error('composition failed:');
  for (const error of result.errors) console.error(`  ${error.message}`);
  process.exit(1);
}
for (const hint of result.hints) console.warn(`hint: ${hint.definition.code}: ${hint.message}`);

const supergraph = `${result.supergraphSdl.trimEnd()}\n`;
if (process.argv.includes('--check')) {
  if (!existsSync(output) || readFileSync(output, 'utf8') !== supergraph) {
    console.error('gateway/supergraph.graphql is out of date: run `npm run compose` and commit it');
    process.exit(1);
  }
  console.log('supergraph is up to date');
} else {
  writeFileSync(output, supergraph);
  console.log(`wrote ${relative(root, output)} from ${services.length} subgraphs`);
}
