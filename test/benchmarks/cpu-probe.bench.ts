/**
 * Does the cold estimate's speed probe (harness/speed-probe.ts) track the
 * work it scales? Side by side in one process, under the same conditions:
 * the scalar JavaScript probe it replaced, the probe, and two real units of
 * work: MobileNetV2 float32 on tflite-node (XNNPACK, one thread) and the same
 * model on TF.js wasm (SIMD, one thread), each in CPU time, fastest of a few
 * tries. Conditions: at rest (whatever else the machine runs), and beside
 * loads this script starts at nice 10: a scalar busy loop on one core, the
 * real tflite-node work in a loop on one core (SIMD beside SIMD), busy loops
 * on both cores. A probe is good when its ratio to the real work stays flat
 * across them; the spread printed last is max/min of that ratio over every
 * round. No pinning: the scheduler places the loads as a user's other work.
 *
 *   npm run benchmark:probe [-- --rounds 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { speedProbe } from '../../harness/speed-probe.ts';
import { emitVariant, prepareModel } from '../../models/tflite/index.ts';
import { loadBackbone, resolveBackbone } from '../../models/zoo.ts';
import { newInterpreter, xnnpackDelegate, xnnpackPlugin } from '../../targets/node/tflite.ts';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'load-tflite': { type: 'string' } } });
const SELF = fileURLToPath(import.meta.url);

function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/** Fastest per-call CPU time of `tries` tries of `calls` calls, after one untimed call. */
function fastest(run: () => void, tries: number, calls: number): number {
  run();
  let best = Infinity;
  for (let attempt = 0; attempt < tries; attempt += 1) {
    const started = cpuMs();
    for (let call = 0; call < calls; call += 1) run();
    best = Math.min(best, (cpuMs() - started) / calls);
  }
  return best;
}

/** The probe this one replaced (harness/cold-estimate.ts `cpuProbeMs` until 2026-12-07), as it was: a scalar float32 matrix product, fastest of nine CPU-time tries. */
function scalarProbeMs(): number {
  const n = 160;
  const a = new Float32Array(n * n).map((_, index) => (index % 7) / 7);
  const b = new Float32Array(n * n).map((_, index) => (index % 5) / 5);
  const c = new Float32Array(n * n);
  const tries: number[] = [];
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const started = process.cpuUsage();
    for (let repeat = 0; repeat < 4; repeat += 1) {
      for (let i = 0; i < n; i += 1) {
        for (let k = 0; k < n; k += 1) {
          const scale = a[i * n + k]!;
          for (let j = 0; j < n; j += 1) c[i * n + j]! += scale * b[k * n + j]!;
        }
      }
    }
    const used = process.cpuUsage(started);
    if (attempt > 0) tries.push((used.user + used.system) / 1000);
  }
  if (Number.isNaN(c[0])) throw new Error('probe failed');
  return Math.min(...tries);
}

/** MobileNetV2 float32 on tflite-node, one thread, XNNPACK: a function running one inference. */
async function tfliteInference(bytes: Uint8Array): Promise<() => void> {
  const delegate = xnnpackDelegate(await xnnpackPlugin());
  if (!delegate) throw new Error('no XNNPACK plugin: the comparison needs the probe runtime');
  const { interpreter } = newInterpreter(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, 1, delegate);
  (interpreter.getInputs()[0]!.data() as Float32Array).fill(0.4);
  return () => {
    if (!interpreter.infer()) throw new Error('inference failed');
  };
}

// A load child: the real tflite-node work in a loop until killed.
if (flags['load-tflite']) {
  const infer = await tfliteInference(readFileSync(flags['load-tflite']));
  for (;;) infer();
}

const rounds = Number(flags.rounds);
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
const backbone = await loadBackbone(resolveBackbone('mobilenet_v2'));
const model = backbone.features;
const folder = await mkdtemp(join(tmpdir(), 'edgebench-cpu-probe-'));
const modelFile = join(folder, 'mobilenet_v2.tflite');
const children: ChildProcess[] = [];
const stopLoads = () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
};
process.on('exit', stopLoads);

try {
  const bytes = await emitVariant(prepareModel(model), { variant: 'float32', normalization: { scale: 1 / 255, offset: 0 } });
  await writeFile(modelFile, bytes);
  const tflite = await tfliteInference(bytes);
  const image = tf.fill([1, 224, 224, 3], 0.4);
  const wasm = () => tf.tidy(() => (model.predict(image) as import('@tensorflow/tfjs').Tensor).dataSync());
  // TF.js wasm's kernels start on V8's baseline tier; enough runs for the optimising tier to take them.
  for (let run = 0; run < 20; run += 1) wasm();

  const model_name = cpus()[0]?.model ?? 'unknown CPU';
  let siblings = 'unknown';
  try {
    siblings = readFileSync('/sys/devices/system/cpu/cpu0/topology/thread_siblings_list', 'utf8').trim();
  } catch {
    // not Linux
  }
  let lscpu = '';
  try {
    lscpu = execFileSync('lscpu', { encoding: 'utf8' }).split('\n').filter((line) => /^(Model name|Thread\(s\) per core|Core\(s\) per socket|CPU\(s\)):/.test(line)).map((line) => line.replace(/\s+/g, ' ')).join('; ');
  } catch {
    // no lscpu
  }
  console.log(`${model_name}; ${lscpu}; cpu0's hardware-thread siblings: ${siblings}`);
  console.log(`load average before: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);

  const busyLoop = () => spawn('nice', ['-n', '10', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' });
  const tfliteLoop = () => spawn('nice', ['-n', '10', process.execPath, '--import', 'tsx', SELF, '--load-tflite', modelFile], { stdio: 'ignore' });
  const conditions: { name: string; start: () => ChildProcess[] }[] = [
    { name: 'at rest', start: () => [] },
    { name: 'one core busy: scalar loop', start: () => [busyLoop()] },
    { name: 'one core busy: tflite-node loop', start: () => [tfliteLoop()] },
    { name: 'both cores busy: scalar loops', start: () => [busyLoop(), busyLoop()] },
  ];
  type Row = { condition: string; scalar: number; probe: number; tflite: number; wasm: number };
  const rows: Row[] = [];
  console.log(`\n${'condition'.padEnd(32)} ${'scalar'.padStart(8)} ${'probe'.padStart(8)} ${'mnv2 tflite'.padStart(12)} ${'mnv2 wasm'.padStart(10)} | ${'scalar/tflite'.padStart(13)} ${'probe/tflite'.padStart(12)} ${'scalar/wasm'.padStart(11)} ${'probe/wasm'.padStart(10)}   (ms of CPU time, fastest of several tries)`);
  for (const condition of conditions) {
    children.push(...condition.start());
    // Let the loads start (a tflite-node child loads its binding and model first).
    await new Promise((resolve) => setTimeout(resolve, children.length ? 3000 : 0));
    for (let round = 0; round < rounds; round += 1) {
      const scalar = scalarProbeMs();
      const reading = await speedProbe();
      if (!('ms' in reading)) throw new Error(`the probe did not run: ${reading.reason}`);
      const row: Row = { condition: condition.name, scalar, probe: reading.ms, tflite: fastest(tflite, 5, 4), wasm: fastest(wasm, 3, 3) };
      rows.push(row);
      console.log(
        `${condition.name.padEnd(32)} ${scalar.toFixed(1).padStart(8)} ${row.probe.toFixed(3).padStart(8)} ${row.tflite.toFixed(2).padStart(12)} ${row.wasm.toFixed(1).padStart(10)} | ${(scalar / row.tflite).toFixed(2).padStart(13)} ${(row.probe / row.tflite).toFixed(4).padStart(12)} ${(scalar / row.wasm).toFixed(3).padStart(11)} ${(row.probe / row.wasm).toFixed(5).padStart(10)}`,
      );
    }
    stopLoads();
  }
  const spread = (values: number[]) => Math.max(...values) / Math.min(...values);
  console.log(`\nspread (max/min over ${rows.length} rounds) of each probe's ratio to the real work; 1.00 is flat:`);
  console.log(`  scalar probe: against tflite-node ${spread(rows.map((row) => row.scalar / row.tflite)).toFixed(2)}, against TF.js wasm ${spread(rows.map((row) => row.scalar / row.wasm)).toFixed(2)}`);
  console.log(`  speed probe:  against tflite-node ${spread(rows.map((row) => row.probe / row.tflite)).toFixed(2)}, against TF.js wasm ${spread(rows.map((row) => row.probe / row.wasm)).toFixed(2)}`);
  console.log(`  readings alone: scalar ${spread(rows.map((row) => row.scalar)).toFixed(2)}, probe ${spread(rows.map((row) => row.probe)).toFixed(2)}, tflite-node ${spread(rows.map((row) => row.tflite)).toFixed(2)}, TF.js wasm ${spread(rows.map((row) => row.wasm)).toFixed(2)}`);
  console.log(`load average after: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
} finally {
  stopLoads();
  await rm(folder, { recursive: true, force: true });
}
