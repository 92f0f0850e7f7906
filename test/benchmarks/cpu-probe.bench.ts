/**
 * Does the cold estimate's speed probe (harness/speed-probe.ts) track the
 * work it scales? Side by side, under the same conditions: the scalar
 * JavaScript probe it replaced (in a fresh process, and in this one, which
 * has imported TF.js as `bench` has), the probe, and two real units of
 * work: MobileNetV2 float32 on tflite-node (XNNPACK, one thread) and the same
 * model on TF.js wasm (SIMD, one thread), each in CPU time, fastest of
 * several tries. Conditions: at rest (whatever else the machine runs), and beside
 * loads this script starts at nice 10: a scalar busy loop on one core, the
 * real tflite-node work in a loop on one core (SIMD beside SIMD), busy loops
 * on both cores. A probe is good when its ratio to the real work stays flat
 * across them; the spread printed last is max/min of that ratio over every
 * round. No pinning: the scheduler places the loads as a user's other work.
 *
 *   npm run benchmark:probe [-- --rounds 3]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { speedProbe } from '../../harness/speed-probe.ts';
import { scalarProbeMs } from './scalar-probe.ts';
import { emitVariant, prepareModel } from '../../models/tflite/index.ts';
import { loadBackbone, resolveBackbone } from '../../models/zoo.ts';
import { newInterpreter, xnnpackDelegate, xnnpackPlugin } from '../../targets/node/tflite.ts';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'load-tflite': { type: 'string' } } });
const SELF = fileURLToPath(import.meta.url);
const SCALAR = fileURLToPath(new URL('./scalar-probe.ts', import.meta.url));

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

/** The scalar probe in its own fresh process (this one has imported TF.js, which alone moves it). */
async function scalarInFreshProcess(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCALAR], { stdio: ['ignore', 'pipe', 'ignore'] });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  await new Promise((resolve) => child.on('close', resolve));
  return Number(text.trim());
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

  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
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
  console.log(`${cpuModel}; ${lscpu}; cpu0's hardware-thread siblings: ${siblings}`);
  console.log(`load average before: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);

  const busyLoop = () => spawn('nice', ['-n', '10', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' });
  const tfliteLoop = () => spawn('nice', ['-n', '10', process.execPath, '--import', 'tsx', SELF, '--load-tflite', modelFile], { stdio: 'ignore' });
  const conditions: { name: string; start: () => ChildProcess[] }[] = [
    { name: 'at rest', start: () => [] },
    { name: 'one core busy: scalar loop', start: () => [busyLoop()] },
    { name: 'one core busy: tflite-node loop', start: () => [tfliteLoop()] },
    { name: 'both cores busy: scalar loops', start: () => [busyLoop(), busyLoop()] },
  ];
  type Row = { condition: string; fresh: number; here: number; probe: number; tflite: number; wasm: number };
  const rows: Row[] = [];
  const columns = ['scalar new', 'scalar here', 'probe', 'mnv2 tflite', 'mnv2 wasm', '| s.new/tfl', 's.here/tfl', 'probe/tfl', 's.new/wasm', 'probe/wasm'];
  console.log(`\n${'condition'.padEnd(32)} ${columns.map((name) => name.padStart(11)).join(' ')}`);
  for (const condition of conditions) {
    children.push(...condition.start());
    // Let the loads start (a tflite-node child loads its binding and model first).
    await new Promise((resolve) => setTimeout(resolve, children.length ? 3000 : 0));
    for (let round = 0; round < rounds; round += 1) {
      const fresh = await scalarInFreshProcess();
      const here = scalarProbeMs();
      const reading = await speedProbe();
      if (!('ms' in reading)) throw new Error(`the probe did not run: ${reading.reason}`);
      // The real work measured as the probe is: CPU time, fastest of many short tries.
      const row: Row = { condition: condition.name, fresh, here, probe: reading.ms, tflite: fastest(tflite, 15, 2), wasm: fastest(wasm, 8, 1) };
      rows.push(row);
      const cells = [row.fresh.toFixed(1), row.here.toFixed(1), row.probe.toFixed(3), row.tflite.toFixed(2), row.wasm.toFixed(1), (row.fresh / row.tflite).toFixed(2), (row.here / row.tflite).toFixed(2), (row.probe / row.tflite).toFixed(4), (row.fresh / row.wasm).toFixed(3), (row.probe / row.wasm).toFixed(5)];
      console.log(`${condition.name.padEnd(32)} ${cells.map((cell) => cell.padStart(11)).join(' ')}`);
    }
    stopLoads();
  }
  const spread = (values: number[]) => (Math.max(...values) / Math.min(...values)).toFixed(2);
  console.log(`\nspread (max/min over ${rows.length} rounds) of each probe's ratio to the real work; 1.00 is flat:`);
  console.log(`  scalar probe, fresh process: against tflite-node ${spread(rows.map((row) => row.fresh / row.tflite))}, against TF.js wasm ${spread(rows.map((row) => row.fresh / row.wasm))}`);
  console.log(`  scalar probe, this process:  against tflite-node ${spread(rows.map((row) => row.here / row.tflite))}, against TF.js wasm ${spread(rows.map((row) => row.here / row.wasm))}`);
  console.log(`  speed probe:                 against tflite-node ${spread(rows.map((row) => row.probe / row.tflite))}, against TF.js wasm ${spread(rows.map((row) => row.probe / row.wasm))}`);
  console.log(`  readings alone: scalar fresh ${spread(rows.map((row) => row.fresh))}, scalar here ${spread(rows.map((row) => row.here))}, probe ${spread(rows.map((row) => row.probe))}, tflite-node ${spread(rows.map((row) => row.tflite))}, TF.js wasm ${spread(rows.map((row) => row.wasm))}`);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  console.log(`  scalar probe, median: ${median(rows.map((row) => row.fresh)).toFixed(1)} ms in a fresh process, ${median(rows.map((row) => row.here)).toFixed(1)} ms in this one (TF.js imported): ${(median(rows.map((row) => row.here)) / median(rows.map((row) => row.fresh))).toFixed(2)}× on the same CPU`);
  console.log(`load average after: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
} finally {
  stopLoads();
  await rm(folder, { recursive: true, force: true });
}
