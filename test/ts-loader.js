// The tests' TypeScript loader: `node --import ./test/ts-loader.js --test …`.
// `node --test` starts one process per test file, and under `--import tsx`
// each of them spent ~0.45 s of CPU registering tsx before its first line
// (its CommonJS and ESM hooks, its tsconfig reading, its cache) against
// ~0.15 s for these hooks: most of the unit tier's time was that start-up
// (docs/testing.md). What the harness runs for a user (harness/bin.js, the
// worker, configs in TypeScript) still goes through tsx.
import { register } from 'node:module';

// Stack traces point at the .ts lines: each compiled file carries its source map.
process.setSourceMapsEnabled(true);
register('./ts-loader-hooks.js', import.meta.url);
