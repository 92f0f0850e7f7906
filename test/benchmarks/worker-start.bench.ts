/**
 * What one Node job worker's start costs (targets/node/child.ts): the
 * worker forked from its cached bundle, asked to probe one runtime (TF.js
 * imported, the backend registered and initialised, the answer sent back),
 * one after another. Printed: each worker's CPU time (user + system, read
 * from this process's reaped children in /proc/self/stat: Linux only) and
 * wall time, and their median. Run it at the commits to compare, back to
 * back, on the same machine.
 *
 *   npm run benchmark:worker-start [-- --runs 8 --runtime tfjs-wasm]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { callWorker } from '../../targets/node/child.ts';
import { DEFAULT_RUNTIME_MODULE } from '../../targets/node/runtimes.ts';
import { workerBundle, WORKER_TREE } from '../../targets/node/worker-bundle.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '8' }, runtime: { type: 'string', default: 'tfjs-wasm' } } });
const runs = Number(flags.runs);
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU ms of this process's children that have exited and been reaped (cutime + cstime). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * TICK_MS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

if (!(await workerBundle(WORKER_TREE))) throw new Error('the worker bundle could not be built here: this measures the bundled start');
const cpu: number[] = [];
const wall: number[] = [];
for (let run = 0; run < runs; run += 1) {
  const before = childrenCpuMs();
  const started = performance.now();
  const answer = await callWorker({ type: 'probe', runtimeModules: [DEFAULT_RUNTIME_MODULE], threads: 1, timeouts: { probeMs: 60_000, adapterQueryMs: 10_000 }, only: [flags.runtime!] }, { timeoutMs: 120_000 });
  wall.push(performance.now() - started);
  // The worker is stopped once it has answered: its CPU counts when it has been reaped.
  let after = childrenCpuMs();
  for (let wait = 0; after === before && wait < 50; wait += 1) after = (await new Promise((resolve) => setTimeout(resolve, 100)), childrenCpuMs());
  cpu.push(after - before);
  if (answer.kind !== 'answer' || answer.message.type !== 'probe-done' || !answer.message.runtimes[0]?.available) throw new Error(`the probe of ${flags.runtime} failed: ${JSON.stringify(answer)}`);
}
console.log(`${runs} worker starts probing ${flags.runtime} (load ${loadavg()[0]!.toFixed(1)})`);
console.log(`CPU ms  ${cpu.join(' ')}  median ${median(cpu)}`);
console.log(`wall ms ${wall.map((ms) => Math.round(ms)).join(' ')}  median ${Math.round(median(wall))}`);
