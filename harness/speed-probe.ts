/**
 * How fast this host runs the work the shipped figures time
 * (./cold-estimate.ts scales them by it): one MobileNetV2 bottleneck block
 * (1×1 expand, 3×3 depthwise, 1×1 project at 16×16, 64 → 384 → 64 channels,
 * ~27 MFLOP), written by our converter's writer and run on tflite-node with
 * XNNPACK on one thread: the SIMD convolution kernels (XNNPACK's, native
 * here, compiled to wasm in TF.js wasm and LiteRT.js) that the bottlenecks,
 * calibration and every default job spend their time in.
 *
 * It replaced a scalar JavaScript matrix product that read the very machine
 * the figures came from 1.0-1.9× slower within minutes, while the runtimes'
 * work ran as fast as ever (a cold `bench all` then took 0.59× of the
 * estimate). What moved it was V8, not the CPU: its loop is deoptimised and
 * recompiled several times as it runs, and the code it ends on differs from
 * process to process: on one machine, minutes apart, fresh processes read
 * 24-30 ms or 40-44 ms, and one that had imported TF.js 33-56 ms, while real
 * MobileNetV2 work moved 1.26-1.37× under the same loads (`npm run
 * benchmark:probe`, docs/bench-all.md). Native code, not wasm: TF.js wasm's kernels run on V8's
 * baseline tier until a background compile tiers them up, after ~0.5 s on a
 * loaded 2-core host, which a short probe would read as a slower CPU.
 *
 * Measured as the old one learned to: a core's speed, not how busy the host
 * is (that a one-second probe cannot foresee), the fastest of 15 tries of 20
 * blocks after a warm-up (a disturbed try, a busy neighbour on the core, only
 * ever makes a try slower; 15 short tries read steadier than 9 of 30 blocks
 * beside other work). Each try's time is the lesser of its wall time and the
 * process's CPU time: in `bench`'s process V8's background threads ran
 * during some tries (CPU time 0.29 ms where wall time was 0.18), other
 * processes took the core in others (wall 0.41, CPU 0.21). ~60 ms of
 * inference; loading the binding and checking the cached XNNPACK plugin take
 * ~0.3-1 s more, and the plugin's first build once per user (it is built for
 * the bottlenecks anyway).
 *
 * What it cannot see: its weights (~200 KB) stay in cache, so memory
 * bandwidth, which work with large weights (InceptionV3's ~95 MB) also
 * waits on, is not in it.
 */
import { addOp, addTensor, emptyGraph, type IrGraph } from '../models/tflite/graph.ts';
import { writeTflite } from '../models/tflite/writer.ts';
import { newInterpreter, xnnpackDelegate, xnnpackPlugin, type PluginState } from '../targets/node/tflite.ts';

/** What the probe ran, and how long one block took at best, ms (see speedProbe); or why it could not run. */
export type SpeedReading = { ms: number; runtime: string } | { reason: string };

/** The runtime the probe names when it ran as designed: the shipped `probeMs` was taken on it. */
export const PROBE_RUNTIME = 'tflite-node (XNNPACK, 1 thread)';

const SIDE = 16;
const NARROW = 64;
const WIDE = 384;
const TRIES = 15;
const RUNS_PER_TRY = 20;

/** Fixed weights, small enough that activations stay finite through the block. */
function weights(count: number, salt: number): Float32Array {
  return Float32Array.from({ length: count }, (_, index) => (((index * 2654435761 + salt) >>> 0) % 1000) / 20000 - 0.025);
}

/** The probe's model: one inverted-residual block, float32, batch 1. */
export function probeGraph(): IrGraph {
  const graph = emptyGraph();
  const activation = (name: string, channels: number) => addTensor(graph, { name, shape: [1, SIDE, SIDE, channels], dtype: 'float32', batched: true });
  const constant = (name: string, shape: number[], salt: number) => addTensor(graph, { name, shape, dtype: 'float32', data: weights(shape.reduce((a, b) => a * b, 1), salt) });
  const conv = { kind: 'conv' as const, padding: 'SAME' as const, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1 };
  const input = activation('input', NARROW);
  const expanded = activation('expanded', WIDE);
  const filtered = activation('filtered', WIDE);
  const output = activation('output', NARROW);
  addOp(graph, { op: 'CONV_2D', inputs: [input, constant('expand', [WIDE, 1, 1, NARROW], 1), constant('expand_bias', [WIDE], 2)], outputs: [expanded], options: { ...conv, activation: 'RELU6' } });
  addOp(graph, {
    op: 'DEPTHWISE_CONV_2D',
    inputs: [expanded, constant('depthwise', [1, 3, 3, WIDE], 3), constant('depthwise_bias', [WIDE], 4)],
    outputs: [filtered],
    options: { ...conv, kind: 'depthwise', depthMultiplier: 1, activation: 'RELU6' },
  });
  addOp(graph, { op: 'CONV_2D', inputs: [filtered, constant('project', [NARROW, 1, 1, WIDE], 5), constant('project_bias', [NARROW], 6)], outputs: [output], options: { ...conv, activation: 'NONE' } });
  graph.inputs = [input];
  graph.outputs = [output];
  return graph;
}

/** CPU time of this process so far, ms. */
function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/**
 * The probe: ms per block at best, on PROBE_RUNTIME. Without the
 * XNNPACK plugin (no C compiler, EDGEBENCH_TFLITE_XNNPACK=0) or the binding,
 * it says why instead of timing other kernels than the reference was taken
 * on. `plugin`: the plugin's state (tests); default the real one, built once
 * per user.
 */
export async function speedProbe(options: { plugin?: PluginState } = {}): Promise<SpeedReading> {
  const plugin = options.plugin ?? (await xnnpackPlugin());
  const delegate = xnnpackDelegate(plugin);
  // Its reason ends in what tflite-node then does ("; TFLite runs its builtin kernels"): not what the probe does.
  if (!delegate) return { reason: 'reason' in plugin ? plugin.reason.split('; ')[0]! : 'no XNNPACK plugin' };
  let infer: () => boolean;
  try {
    const bytes = writeTflite(probeGraph());
    const { interpreter, xnnpackThreads } = newInterpreter(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, 1, delegate);
    // The plugin reports the threads it applied: one, or the reading is not the reference's kind.
    if (xnnpackThreads !== 1) return { reason: `XNNPACK applied ${xnnpackThreads ?? 'no'} threads, the probe needs one` };
    (interpreter.getInputs()[0]!.data() as Float32Array).set(weights(SIDE * SIDE * NARROW, 7).map((value) => value * 40));
    infer = () => interpreter.infer();
  } catch (error) {
    return { reason: `tflite-node did not load: ${(error as Error).message.split('\n')[0]}` };
  }
  // Warm-up: XNNPACK packs the weights and sizes its buffers on the first runs.
  for (let run = 0; run < RUNS_PER_TRY; run += 1) infer();
  let best = Infinity;
  for (let attempt = 0; attempt < TRIES; attempt += 1) {
    const cpuStarted = cpuMs();
    const wallStarted = performance.now();
    for (let run = 0; run < RUNS_PER_TRY; run += 1) if (!infer()) return { reason: 'tflite-node: the probe block failed to run' };
    // Both bound this thread's own time from above: wall time counts the moments another process had the
    // core, the process's CPU time counts V8's background threads (compiling, collecting) in the same
    // moments. Node 20 reads no thread's own CPU time finely (/proc's is per tick), so the least of both.
    best = Math.min(best, (performance.now() - wallStarted) / RUNS_PER_TRY, (cpuMs() - cpuStarted) / RUNS_PER_TRY);
  }
  return { ms: best, runtime: PROBE_RUNTIME };
}
