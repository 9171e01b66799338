import { serviceBundle } from '@crm/build-config';
import { defineConfig } from 'tsup';

// The service, and the rebuild of its read models (npm run analytics:rebuild).
export default defineConfig({ ...serviceBundle(), entry: { main: 'src/main.ts', rebuild: 'scripts/rebuild.ts' } });
