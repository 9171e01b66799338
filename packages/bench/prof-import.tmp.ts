// Temporary: profile the import (not committed).
import { run } from './src/import/import.bench';
process.env.BENCH_IMPORT_ROWS ??= '10000';
run().then((sections) => console.log(JSON.stringify(sections, null, 1)), (e) => { console.error(e); process.exit(1); });
