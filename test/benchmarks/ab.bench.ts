/**
 * `npm run benchmark:ab`: does `bench ab` cry wolf, and does it catch a 5%
 * and a 10% slowdown in one A/B run? MobileNetV2 (the gate benchmark's
 * artifacts, ./gate-artifacts.ts) on Node tfjs-wasm:
 *
 * - A/A: A (224 px) against a copy of itself. Goal: at most 1 of 20 runs flag.
 * - B5: the same weights at a larger input that is about 5% slower on the
 *   runtime (B_SIZES below). Goal: at least 19 of 20 runs regressed.
 * - B10: about 10% slower. Goal: 20 of 20.
 * - Cost: the wall time of one A/B run against one plain `bench run` of the
 *   same jobs (goal ≤ 2.5×).
 *
 * The three experiments alternate run by run, so all see the same machine
 * over time. Not run by the test tiers: it takes minutes per run.
 *
 * A/B here also evaluates each side once (2 images), as the plain run does.
 *
 *   npm run benchmark:ab -- [--runs 20] [--processes 4] [--max-processes N] [--min-time ms] [--pairs 8] [--threads N] [--backends tfjs-wasm|tflite-node] [--sizes 235,242] [--out dir]
 *   npm run benchmark:ab -- --quick     # 2 runs, 2 processes, --min-time 200: proves it works, decides nothing
 *   npm run benchmark:ab -- --cost-only --runs 4   # the cost alone: A/A A/B runs and plain runs, interleaved
 *
 * --cost-only measures no verdict: each run is one A/B (A against its copy)
 * and one plain `bench run` of the same job, the one going first alternating
 * run by run so drift lands on both; it prints each pair's times and the
 * ratio of their means. Made for checking a change to the A/B's cost on a
 * busy machine, where only the ratio of runs side by side means anything.
 */
import { cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runAb } from '../../harness/ab.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { createLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { writeGateArtifacts } from './gate-artifacts.ts';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string' },
    processes: { type: 'string' },
    'max-processes': { type: 'string' },
    'min-time': { type: 'string' },
    pairs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'cost-only': { type: 'boolean', default: false },
    threads: { type: 'string' },
    backends: { type: 'string', default: 'tfjs-wasm' },
    sizes: { type: 'string' },
    out: { type: 'string', default: join(tmpdir(), 'edgebench-ab-bench') },
  },
});
// --quick: the smallest run that goes through every step (numbers that decide nothing).
const defaults = flags.quick ? { runs: '2', processes: '2', minTime: '200' } : { runs: '20', processes: '4', minTime: '1000' };
const runs = Number(flags.runs ?? defaults.runs);
const processes = Number(flags.processes ?? defaults.processes);
const maxProcesses = flags['max-processes'] ? Number(flags['max-processes']) : undefined;
const minTime = Number(flags['min-time'] ?? defaults.minTime);
const work = resolve(flags.out!);
const MODEL = 'mobilenet_v2';
/**
 * B's input sizes, per runtime: what makes MobileNetV2 ~5% and ~10% slower
 * there (time does not grow as the pixel count: the head and per-op
 * overheads do not scale). Chosen from A/B runs on this project's 2-core
 * AMD EPYC; the table below prints the slowdown measured, pooled over every
 * run, so the claim is checked each time. --sizes 5%,10% overrides them.
 */
const B_SIZES: Record<string, readonly [number, number]> = { 'tfjs-wasm': [235, 242], 'tflite-node': [237, 245] };
const [b5, b10] = flags.sizes ? (flags.sizes.split(',').map(Number) as [number, number]) : (B_SIZES[flags.backends!.split(',')[0]!] ?? [235, 242]);
if (![b5, b10].every((size) => Number.isInteger(size) && size > 224 && size <= 512)) throw new Error(`--sizes takes two input sizes above 224, e.g. 235,242 (got ${flags.sizes})`);
const sides = { A: 224, AA: 224, B5: b5, B10: b10 } as const;
type Side = keyof typeof sides;
const outs = Object.fromEntries(Object.keys(sides).map((side) => [side, join(work, side)])) as Record<Side, string>;

const config = (out: string) =>
  parseConfig({
    out,
    models: [MODEL],
    run: {
      targets: ['node'],
      backends: flags.backends!.split(','),
      minTimeMs: minTime,
      evalLimit: 2,
      ...(flags.threads ? { threads: Number(flags.threads) } : {}),
    },
    ...(flags.pairs ? { ab: { pairs: Number(flags.pairs) } } : {}),
  });
const log = createLogger({ level: 'quiet' });

await rm(work, { recursive: true, force: true });
// tflite-node measures the .tflite: float32 then, converted from the same weights at each input size.
const variants = flags.backends!.split(',').some((backend) => backend.startsWith('tflite')) ? (['float32'] as const) : [];
// --cost-only times A against its copy: the slower models are not needed.
for (const side of flags['cost-only'] ? (['A'] as const) : (['A', 'B5', 'B10'] as const)) await writeGateArtifacts({ out: outs[side], model: MODEL, inputSize: sides[side], variants: [...variants] });
await cp(outs.A, outs.AA, { recursive: true });

if (flags['cost-only']) {
  const ab: number[] = [];
  const plain: number[] = [];
  const seconds = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return (performance.now() - started) / 1000;
  };
  for (let index = 0; index < runs; index += 1) {
    const abRun = async () => ab.push(await seconds(() => runAb({ config: config(outs.AA), log, out: outs.AA, baseline: outs.A, cwd: process.cwd(), processes, ...(maxProcesses ? { maxProcesses } : {}) })));
    const plainRun = async () => plain.push(await seconds(() => runBenchmarks({ config: config(outs.A), log, out: outs.A })));
    // Which goes first alternates: a machine that slows down over the runs weighs on both.
    for (const step of index % 2 === 0 ? [abRun, plainRun] : [plainRun, abRun]) await step();
    process.stderr.write(`run ${index + 1}/${runs}: A/B ${ab.at(-1)!.toFixed(1)} s, plain ${plain.at(-1)!.toFixed(1)} s (${(ab.at(-1)! / plain.at(-1)!).toFixed(2)}×)\n`);
  }
  const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  console.log(`one A/B run ${average(ab).toFixed(1)} s, one plain bench run ${average(plain).toFixed(1)} s: ${(average(ab) / average(plain)).toFixed(2)}× (goal ≤ 2.5×); ${runs} runs of each, ${processes}${maxProcesses ? ` to ${maxProcesses}` : ''} processes of ${config(outs.A).ab.pairs} pairs, --min-time ${minTime}`);
  process.exit(0);
}

const flagged: Record<Exclude<Side, 'A'>, number> = { AA: 0, B5: 0, B10: 0 };
const ratios: Record<Exclude<Side, 'A'>, number[]> = { AA: [], B5: [], B10: [] };
const abSeconds: number[] = [];
const runSeconds: number[] = [];
for (let index = 0; index < runs; index += 1) {
  for (const side of ['AA', 'B5', 'B10'] as const) {
    const started = performance.now();
    const outcome = await runAb({ config: config(outs[side]), log, out: outs[side], baseline: outs.A, cwd: process.cwd(), processes, ...(maxProcesses ? { maxProcesses } : {}) });
    abSeconds.push((performance.now() - started) / 1000);
    const keys = outcome.verdict.keys;
    // A/A: any flag (regressed or improved) is a false alarm; B: caught when regressed.
    if (side === 'AA' ? keys.some((key) => key.verdict === 'regressed' || key.verdict === 'improved') : keys.some((key) => key.verdict === 'regressed')) flagged[side] += 1;
    ratios[side].push(...keys.flatMap((key) => (key.estimate ? [key.estimate.ratio] : [])));
    // One line per A/B: a reduced or interrupted benchmark still leaves every verdict behind.
    for (const key of keys) process.stderr.write(`run ${index + 1} ${side}: ${key.verdict} ${key.estimate ? `B/A ${key.estimate.ratio.toFixed(3)} (${key.estimate.low.toFixed(3)}–${key.estimate.high.toFixed(3)})` : key.reason} in ${abSeconds.at(-1)!.toFixed(0)} s\n`);
  }
  const started = performance.now();
  await runBenchmarks({ config: config(outs.A), log, out: outs.A });
  runSeconds.push((performance.now() - started) / 1000);
  process.stderr.write(`run ${index + 1}/${runs}: A/A ${flagged.AA}, B5 ${flagged.B5}, B10 ${flagged.B10} flagged so far; plain bench run ${runSeconds.at(-1)!.toFixed(0)} s\n`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
// The slowdown each B really is: the geometric mean of its runs' ratios (every run's pairs, pooled by run).
const pooled = (values: number[]) => Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
console.log(`| experiment | runs that flag | median B/A (range) | B/A pooled over the runs |`);
console.log(`|---|--:|--:|--:|`);
const row = (label: string, side: Exclude<Side, 'A'>) => `| ${label} | ${flagged[side]} / ${runs} | ${median(ratios[side]).toFixed(3)} (${Math.min(...ratios[side]).toFixed(3)}–${Math.max(...ratios[side]).toFixed(3)}) | ${pooled(ratios[side]).toFixed(3)} |`;
console.log(row('A/A (goal ≤ 1 of 20)', 'AA'));
console.log(row(`B ${b5} px, ~5% (goal ≥ 19 of 20)`, 'B5'));
console.log(row(`B ${b10} px, ~10% (goal 20 of 20)`, 'B10'));
console.log(`\none A/B run ${mean(abSeconds).toFixed(1)} s, one plain bench run ${mean(runSeconds).toFixed(1)} s: ${(mean(abSeconds) / mean(runSeconds)).toFixed(2)}× (goal ≤ 2.5×); ${processes}${maxProcesses ? ` to ${maxProcesses}` : ''} processes of ${config(outs.A).ab.pairs} pairs, --min-time ${minTime}${flags.quick ? ' (--quick: not a measurement)' : ''}`);
