/**
 * `npm run benchmark:gate`: does the regression gate cry wolf, and does it
 * catch a real slowdown? On this machine, in one run:
 *
 * 1. A/A: the same artifacts (MobileNetV2 on Node tfjs-wasm and tflite-node)
 *    benchmarked again and again (the "A" runs), each compared with the one
 *    before it, as a CI job would: how many comparisons flag any key, with
 *    the gate (rounds, noise from earlier runs, Holm across keys) beside the
 *    pre-rounds method (Mann-Whitney on the pooled samples, each key at alpha)
 *    and beside the rounds of the two runs alone, trusted without earlier runs
 *    (what the gate declines to do: it leaves those keys inconclusive).
 *    Goal: at most 1 in 20 with the gate.
 * 2. A real slowdown: between the A runs, "B" runs of a heavier variant of
 *    the same model under the same keys (MobileNetV2 at 248 px instead of
 *    224: the same weights, 23% more pixels, which measures 16–19% slower on
 *    this machine, inside the 15–25% the gate must catch; 244 px measured
 *    only 12–15%, 256 px 28–33%), each B compared with the A run before and
 *    after it (baseline A, current B). Goal: at least 19 of 20 comparisons
 *    fail the gate (exit 1).
 *
 * Order: `--history` A runs first (the earlier runs of the main branch that a
 * CI job keeps in its cached out folder, or the 8 runs of a `bench calibrate`,
 * as docs/regressions.md asks), then B A B A … B A, so both experiments see
 * the same machine over time. Every comparison's history is the A runs before
 * it. Defaults: 3 rounds (what a gate asks for) and the measuring time of
 * `bench run`; flags change them.
 *
 *   npm run benchmark:gate -- [--pairs 10] [--history 8] [--rounds 3] [--min-time ms] [--variants float32,float16,int8]
 *                             [--heavy-size 248] [--threads N] [--cpus 1] [--cooldown ms] [--out dir]
 *   npm run benchmark:gate -- --reuse    # compare again the runs already in --out (after a change to compare); runs nothing
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { parseConfig } from '../../harness/core/config.ts';
import { liteModelPath, metadataPath, modelDir } from '../../harness/core/layout.ts';
import { listRuns, readRunRecord } from '../../harness/history.ts';
import { createLogger } from '../../harness/core/log.ts';
import { measurementId, type Measurement, type RunRecord } from '../../harness/core/record.ts';
import { roundMedians } from '../../harness/core/rounds.ts';
import { mannWhitneyU } from '../../harness/core/significance.ts';
import { runBenchmarks } from '../../harness/run.ts';
import type { Variant } from '../../models/tflite/index.ts';
import { compareRecords, type Comparison, type LatencyComparison, type Verdict } from '../../reports/compare.ts';
import { writeGateArtifacts } from './gate-artifacts.ts';

const { values: flags } = parseArgs({
  options: {
    pairs: { type: 'string', default: '10' },
    history: { type: 'string', default: '8' },
    // A CI gate asks for 3 rounds (docs/regressions.md); the default 2 is what a default bench all affords.
    rounds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'float32,float16,int8' },
    'heavy-size': { type: 'string', default: '248' },
    threads: { type: 'string' },
    cpus: { type: 'string' },
    cooldown: { type: 'string' },
    'min-time': { type: 'string' },
    out: { type: 'string', default: join(tmpdir(), 'edgebench-aa-gate') },
    reuse: { type: 'boolean', default: false },
  },
});
const pairs = Number(flags.pairs);
const historyRuns = Number(flags.history);
if (!(historyRuns >= 1)) throw new Error('--history: at least 1 A run comes before the first B');
const heavySize = Number(flags['heavy-size']);
const variants = flags.variants!.split(',').filter(Boolean) as Variant[];
const work = resolve(flags.out!);
const MODEL = 'mobilenet_v2';
const outs = { A: join(work, 'A'), B: join(work, 'B') };
const sizes = { A: 224, B: heavySize };

const runOptions = {
  targets: ['node'],
  backends: ['tfjs-wasm', 'tflite-node'],
  // Accuracy is not what this measures; two images keep the evaluation (done once per job) short.
  evalLimit: 2,
  ...(flags.rounds ? { rounds: Number(flags.rounds) } : {}),
  ...(flags.threads ? { threads: Number(flags.threads) } : {}),
  ...(flags.cpus ? { cpus: flags.cpus.split(',').map(Number) } : {}),
  ...(flags.cooldown ? { cooldownMs: Number(flags.cooldown) } : {}),
  ...(flags['min-time'] ? { minTimeMs: Number(flags['min-time']) } : {}),
};

/** Artifacts are made once per size and kept under the work folder (about a minute each). */
async function ensureArtifacts(which: 'A' | 'B'): Promise<void> {
  const cache = join(work, `artifacts-${sizes[which]}`);
  const complete = existsSync(metadataPath(cache, MODEL)) && variants.every((variant) => existsSync(liteModelPath(cache, MODEL, variant)));
  if (!complete) {
    console.log(`making MobileNetV2 at ${sizes[which]} px (Mobile + ${variants.join(', ')}) in ${cache} …`);
    await writeGateArtifacts({ out: cache, model: MODEL, inputSize: sizes[which], variants });
  }
  await rm(outs[which], { recursive: true, force: true });
  await mkdir(outs[which], { recursive: true });
  await cp(modelDir(cache, MODEL), modelDir(outs[which], MODEL), { recursive: true });
  // Only the variants asked for: a cached folder may hold more.
  for (const variant of ['float32', 'float16', 'int8-dynamic', 'int8'] as const) if (!variants.includes(variant)) await rm(liteModelPath(outs[which], MODEL, variant), { force: true });
}

async function benchmark(which: 'A' | 'B'): Promise<RunRecord> {
  const config = parseConfig({ out: outs[which], models: [MODEL], run: runOptions });
  const { record } = await runBenchmarks({ config, log: createLogger({ level: 'quiet' }), out: outs[which] });
  if (record.failures.length) console.log(`  failures: ${record.failures.map((failure) => `${failure.key.runtime} ${failure.key.variant}: ${failure.error.message.split('\n')[0]}`).join('; ')}`);
  return record;
}

/** The pre-rounds verdict: Mann-Whitney on the pooled samples, p50 past 5%, p < 0.01 per key, no adjustment. */
function pooledSampleVerdict(old: Measurement, fresh: Measurement): 'regressed' | 'improved' | 'same' | 'inconclusive' {
  const ratio = median(fresh.samples) / median(old.samples);
  const test = mannWhitneyU(fresh.samples, old.samples);
  if (test.minPValue >= 0.01) return 'inconclusive';
  const slower = ratio > 1.05;
  const faster = ratio < 0.95;
  if (!slower && !faster) return 'same';
  const agrees = slower ? test.effect > 0.5 : test.effect < 0.5;
  return test.pValue < 0.01 && agrees ? (slower ? 'regressed' : 'improved') : 'inconclusive';
}

interface Tally {
  comparisons: number;
  /** Comparisons with at least one key flagged (regressed or improved). */
  anyFlag: number;
  /** Comparisons that exit 1. */
  failing: number;
  keysTested: number;
  keysFlagged: number;
  keysRegressed: number;
}

const tally = (): Tally => ({ comparisons: 0, anyFlag: 0, failing: 0, keysTested: 0, keysFlagged: 0, keysRegressed: 0 });

/** What a latency verdict would be if the rounds alone were trusted: without earlier runs the gate leaves a key the rounds call changed inconclusive. */
function roundsAloneVerdict(latency: LatencyComparison | null, alpha: number): Verdict | undefined {
  if (!latency) return undefined;
  const trusted = latency.verdict === 'inconclusive' && latency.noise.source === 'none' && latency.adjustedP !== null && latency.adjustedP < alpha;
  return trusted ? (latency.ratio > 1 ? 'regressed' : 'improved') : latency.verdict;
}

/**
 * Latency verdicts only: the heavier model also classifies the two noise
 * images of the evaluation differently, and accuracy is not what this measures.
 */
function countGate(into: Tally, comparison: Comparison, options: { roundsAlone?: boolean } = {}): void {
  if (!comparison.comparable) throw new Error(`not comparable: ${comparison.reason}`);
  into.comparisons += 1;
  const verdicts = comparison.entries.map((entry) => (options.roundsAlone ? roundsAloneVerdict(entry.latency, comparison.options.alpha) : entry.latency?.verdict));
  const flagged = verdicts.filter((verdict) => verdict === 'regressed' || verdict === 'improved').length;
  const regressed = verdicts.filter((verdict) => verdict === 'regressed').length;
  if (flagged > 0) into.anyFlag += 1;
  if (regressed > 0) into.failing += 1;
  into.keysTested += comparison.entries.length;
  into.keysFlagged += flagged;
  into.keysRegressed += regressed;
}

function countPooled(into: Tally, baseline: RunRecord, current: RunRecord): void {
  into.comparisons += 1;
  const before = new Map(baseline.measurements.map((entry) => [measurementId(entry), entry]));
  let flagged = 0;
  let regressed = 0;
  for (const fresh of current.measurements) {
    const old = before.get(measurementId(fresh));
    if (!old) continue;
    into.keysTested += 1;
    const verdict = pooledSampleVerdict(old, fresh);
    if (verdict === 'regressed' || verdict === 'improved') flagged += 1;
    if (verdict === 'regressed') regressed += 1;
  }
  if (flagged) into.anyFlag += 1;
  if (regressed) into.failing += 1;
  into.keysFlagged += flagged;
  into.keysRegressed += regressed;
}

const started = performance.now();
if (!flags.reuse) console.log(`A/A gate benchmark: ${historyRuns + pairs} A runs (224 px; the first ${historyRuns} before any B) and ${pairs} B runs (${heavySize} px), MobileNetV2 on Node tfjs-wasm + tflite-node (${variants.join(', ')}); load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
const runs: { which: 'A' | 'B'; record: RunRecord }[] = [];
if (flags.reuse) {
  for (const which of ['A', 'B'] as const) for (const run of (await listRuns(outs[which])).runs) runs.push({ which, record: await readRunRecord(run.path) });
  runs.sort((left, right) => left.record.startedAt.localeCompare(right.record.startedAt));
  const everyBBetweenAs = runs.every((run, index) => run.which === 'A' || (runs[index - 1]?.which === 'A' && runs[index + 1]?.which === 'A'));
  if (!everyBBetweenAs) throw new Error(`--reuse: the runs in ${work} are not A … A B A … B A (every B between two A runs)`);
  console.log(`reusing ${runs.length} runs from ${work}`);
} else {
  await ensureArtifacts('A');
  await ensureArtifacts('B');
}
// --reuse only compares what is there; it never adds runs made with other settings to a folder.
/** `historyRuns` A runs, then B A per pair. */
const order: ('A' | 'B')[] = [...Array<'A'>(historyRuns).fill('A'), ...Array.from({ length: pairs }, () => ['B', 'A'] as const).flat()];
for (let index = runs.length; !flags.reuse && index < order.length; index += 1) {
  const which = order[index]!;
  const runStarted = performance.now();
  const record = await benchmark(which);
  runs.push({ which, record });
  const p50s = record.measurements.map((entry) => `${entry.key.runtime === 'tfjs-wasm' ? 'wasm' : entry.key.variant} ${median(roundMedians(entry)).toFixed(1)}`).join(', ');
  console.log(`run ${index + 1}/${order.length} ${which}: ${((performance.now() - runStarted) / 1000).toFixed(0)} s, ${record.conditions?.rounds ?? 1} rounds; round-median p50 ms: ${p50s}; load ${loadavg()[0]!.toFixed(1)}`);
}

const options = parseConfig({}).compare;
/** The A runs that started before `current`: a CI folder's earlier runs of the main branch. */
const historyBefore = (current: RunRecord) => runs.filter((run) => run.which === 'A' && run.record.startedAt < current.startedAt).map((run) => run.record);

const aa = { gate: tally(), roundsOnly: tally(), pooled: tally() };
const ab = { gate: tally(), roundsOnly: tally(), pooled: tally() };
const perKey = new Map<string, { detected: number; tested: number; ratios: number[]; roundCv: number[]; runCv: number[] }>();
const saved: unknown[] = [];
const aRuns = runs.filter((run) => run.which === 'A').map((run) => run.record);
for (let index = 1; index < aRuns.length; index += 1) {
  const [baseline, current] = [aRuns[index - 1]!, aRuns[index]!];
  const comparison = compareRecords(baseline, current, options, { history: historyBefore(current) });
  countGate(aa.gate, comparison);
  countGate(aa.roundsOnly, compareRecords(baseline, current, options), { roundsAlone: true });
  countPooled(aa.pooled, baseline, current);
  saved.push({ kind: 'A/A', comparison });
}
for (let index = 0; index < runs.length; index += 1) {
  if (runs[index]!.which !== 'B') continue;
  const current = runs[index]!.record;
  for (const baseline of [runs[index - 1]!.record, runs[index + 1]!.record]) {
    const comparison = compareRecords(baseline, current, options, { history: historyBefore(current) });
    countGate(ab.gate, comparison);
    countGate(ab.roundsOnly, compareRecords(baseline, current, options), { roundsAlone: true });
    countPooled(ab.pooled, baseline, current);
    if (comparison.comparable) {
      for (const entry of comparison.entries) {
        const stats = perKey.get(entry.id) ?? { detected: 0, tested: 0, ratios: [], roundCv: [], runCv: [] };
        stats.tested += 1;
        if (entry.latency?.verdict === 'regressed') stats.detected += 1;
        if (entry.latency) stats.ratios.push(entry.latency.ratio);
        if (entry.latency?.noise.roundCv != null) stats.roundCv.push(entry.latency.noise.roundCv);
        if (entry.latency?.noise.runCv != null) stats.runCv.push(entry.latency.noise.runCv);
        perKey.set(entry.id, stats);
      }
    }
    saved.push({ kind: 'A/B', comparison });
  }
}
await writeFile(join(work, 'comparisons.json'), JSON.stringify(saved, null, 1));

const row = (label: string, entry: Tally, what: 'anyFlag' | 'failing') =>
  `  ${label.padEnd(44)} ${`${entry[what]} / ${entry.comparisons}`.padStart(8)}   keys flagged ${entry.keysFlagged} / ${entry.keysTested} (${entry.keysRegressed} as regressed)`;
console.log('');
console.log(`A/A: ${aa.gate.comparisons} comparisons of consecutive A runs (same code); comparisons that flag any key (goal ≤ 1 in 20 with the gate):`);
console.log(row(`gate: rounds + earlier runs, ${options.correction} α=${options.alpha}`, aa.gate, 'anyFlag'));
console.log(row('rounds alone, trusted (no earlier runs)', aa.roundsOnly, 'anyFlag'));
console.log(row('pre-rounds: Mann-Whitney on pooled samples', aa.pooled, 'anyFlag'));
console.log('');
console.log(`Slowdown: ${ab.gate.comparisons} comparisons of a B run (${heavySize} px) against the A run before or after it; comparisons that flag a latency regression (the gate fails; goal ≥ 19 of 20):`);
console.log(row('gate: rounds + earlier runs', ab.gate, 'failing'));
console.log(row('rounds alone, trusted (no earlier runs)', ab.roundsOnly, 'failing'));
console.log(row('pre-rounds: Mann-Whitney on pooled samples', ab.pooled, 'failing'));
console.log('  per key (gate): B/A ratio (median over comparisons), detected as regressed, noise between rounds and run to run (medians)');
const pct = (values: number[]) => (values.length ? `±${(median(values) * 100).toFixed(1)}%` : '–');
for (const [id, stats] of perKey) console.log(`    ${id.replace(/#batch=1$/, '').padEnd(72)} ${median(stats.ratios).toFixed(3)}×  ${`${stats.detected} / ${stats.tested}`.padStart(7)}   rounds ${pct(stats.roundCv)}, runs ${pct(stats.runCv)}`);
console.log(`\n${((performance.now() - started) / 60000).toFixed(1)} min; load average now ${loadavg().map((value) => value.toFixed(1)).join(' ')}; every comparison in ${join(work, 'comparisons.json')}`);
