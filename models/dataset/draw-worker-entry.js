// The entry of a dataset drawing worker thread (./generate.ts): like
// harness/bin.js, it registers tsx first so the worker can load TypeScript
// (Node 20 does not apply a parent's `--import tsx` to a worker's own entry).
import { register } from 'tsx/esm/api';

register();
await import('./draw-worker.ts');
