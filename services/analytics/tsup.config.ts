import { serviceBundle } from '@crm/build-config';
import { defineConfig } from 'tsup';

export default defineConfig(serviceBundle());
