import { defineConfig } from 'tsup';

// One self-contained file per service: the shared @crm/* packages are bundled in,
// npm dependencies stay external, .graphql files are inlined as text.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['cjs'],
  platform: 'node',
  target: 'node24',
  sourcemap: true,
  clean: true,
  noExternal: [/^@crm\//],
  loader: { '.graphql': 'text' },
});
