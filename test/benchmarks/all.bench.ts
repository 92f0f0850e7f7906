/**
 * `npm run benchmark:all`: `bench all` on the default, as a new user runs it:
 * first `bench all --dry-run` on an empty out folder (the plan's estimate),
 * then `bench all` into it (cold), then again into the same folder (warm),
 * all three with a cache folder of their own that starts empty (XDG_CACHE_HOME:
 * no browser facts, compiled plugin or runtime sizes from earlier runs).
 * Prints the wall time of every phase of both runs side by side (from
 * `bench all --json`: dataset, bottlenecks and training per model,
 * conversion per model, reference per model, each job with its evaluation)
 * and the figures held against the goals: the first measurement ≤ 60 s after
 * the command, cold ≤ 10 min and warm ≤ 2 min on a 2-core machine without a
 * GPU, the dry run's estimate within 30% of the cold total, both models and
 * every runtime found (software GPUs excepted) measured, every job's accuracy
 * on ≥ 40 images. Then the figures edgebench ships for cold estimates
 * (harness/shipped-estimates.ts), made anew from this cold run, to paste
 * there when this run is on a quiet machine.
 *
 * Then bottleneck extraction side by side on the same images: the host's fast
 * engine (tflite-node) against TF.js wasm, per backbone (goal ≥ 5×).
 *
 * The machines are shared: the load average and the busiest other processes
 * are printed before and after, so the figures can be read for what they are.
 *
 *   BENCH_ALL_ARGS="--model mobilenet_v2" npm run benchmark:all   # extra flags for both runs
 *   BENCH_SKIP_ALL=1 npm run benchmark:all                         # only the extraction comparison
 *   BENCH_SKIP_EXTRACTION=1 npm run benchmark:all                  # no extraction comparison
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { shippedJobFigures } from '../../harness/cold-estimate.ts';
import { speedProbe } from '../../harness/speed-probe.ts';
import { formatDuration } from '../../harness/estimate.ts';
import type { ShippedEstimates } from '../../harness/shipped-estimates.ts';
import type { PhaseTiming } from '../../harness/stream.ts';
import { createLogger } from '../../harness/core/log.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { useFastestBackend } from '../../models/backend.ts';
import { decodeImage, generateDefaultDataset, scanDataset } from '../../models/dataset/index.ts';
import { tfjsFeatureEngine, tfliteFeatureEngine, type FeatureEngine } from '../../models/feature-engine.ts';
import { loadBackbone, resolveBackbone } from '../../models/zoo.ts';
import { tfliteHostRunner } from '../../targets/node/tflite-host.ts';
import { tempDir } from '../helpers/tmp.ts';

const BIN = fileURLToPath(new URL('../../harness/bin.js', import.meta.url));
const extraArgs = (process.env.BENCH_ALL_ARGS ?? '').split(/\s+/).filter(Boolean);
const COLD_GOAL_S = 600;
const WARM_GOAL_S = 120;
const FIRST_GOAL_S = 60;
/** The dry run's estimate against the cold total: within this fraction. */
const ESTIMATE_GOAL = 0.3;
const MIN_IMAGES = 40;

function machineLoad(when: string): void {
  const [one, five] = loadavg();
  console.log(`${when}: load average ${one!.toFixed(1)} (1 min), ${five!.toFixed(1)} (5 min)`);
  try {
    const top = execFileSync('ps', ['-eo', 'pcpu,etime,args', '--sort=-pcpu'], { encoding: 'utf8' }).split('\n').slice(1, 7);
    for (const line of top) if (line.trim()) console.log(`  ${line.trim().slice(0, 150)}`);
  } catch {
    // ps is a nicety here
  }
}

interface AllResult {
  totalSeconds: number;
  record: string;
  /** From the process's start to the first job's first round done. */
  firstResultSeconds: number | null;
  phases: PhaseTiming[];
}

interface DryRunResult {
  totalSeconds: number;
  unknown: number;
  host: { subject: string; seconds?: number }[];
}

/** `bench all --json` (with `extra` flags) in its own process, as a user runs it; its messages stream through to stderr. */
function benchAll<T = AllResult>(out: string, userCache: string, extra: string[] = []): Promise<{ wallSeconds: number; result: T }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // A new user's cache folder (kept browser facts, the compiled XNNPACK plugin, runtime sizes): empty before the dry run, then theirs.
    const env = { ...process.env, XDG_CACHE_HOME: userCache };
    const child = spawn(process.execPath, [BIN, 'all', '--out', out, '--json', ...extra, ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      try {
        resolve({ wallSeconds, result: JSON.parse(stdout) as T });
      } catch (error) {
        reject(new Error(`bench all exited with ${code} and no JSON result: ${(error as Error).message}`));
      }
    });
  });
}

function phaseRows(cold: AllResult, warm: AllResult): string[] {
  const key = (phase: PhaseTiming) => `${phase.phase} ${phase.subject}`;
  const warmBy = new Map(warm.phases.map((phase) => [key(phase), phase]));
  const width = Math.max(...cold.phases.map((phase) => key(phase).length));
  return cold.phases.map((phase) => {
    const other = warmBy.get(key(phase));
    const warmText = other ? `${other.seconds.toFixed(1).padStart(7)} s` : '        –';
    return `  ${key(phase).padEnd(width)}  ${phase.seconds.toFixed(1).padStart(7)} s ${warmText}   ${phase.detail}${other && other.detail !== phase.detail ? ` | warm: ${other.detail}` : ''}`;
  });
}

async function checkCoverage(label: string, result: AllResult): Promise<void> {
  const record = JSON.parse(await readFile(result.record, 'utf8')) as RunRecord;
  const models = [...new Set(record.measurements.map((entry) => entry.key.model))];
  const runtimes = [...new Set(record.measurements.map((entry) => `${entry.key.target}:${entry.key.runtime}`))];
  const software = record.measurements.filter((entry) => entry.device.extra?.software).length;
  const fewImages = record.measurements.filter((entry) => (entry.evaluation?.images ?? 0) < MIN_IMAGES);
  console.log(`  ${label}: ${record.measurements.length} measured, ${record.failures.length} failed; models ${models.join(', ')}; runtimes ${runtimes.join(', ')}${software ? `; ${software} software-rendered (asked for)` : ''}`);
  for (const failure of record.failures) console.log(`    failed: ${failure.key.model}/${failure.key.format}/${failure.key.variant} ${failure.key.target}:${failure.key.runtime} in ${failure.phase}: ${failure.error.message.split('\n')[0]}`);
  const reused = record.measurements.filter((entry) => entry.evaluation?.reusedFrom).length;
  console.log(`    accuracy on ≥ ${MIN_IMAGES} images: ${record.measurements.length - fewImages.length}/${record.measurements.length} jobs${reused ? ` (${reused} reused from an earlier run: same file, code, runtime and images)` : ''}`);
  for (const entry of fewImages) console.log(`      ${entry.artifact} ${entry.key.target}:${entry.key.runtime}: ${entry.evaluation?.images ?? 0} images (p50 ${entry.latency.p50.toFixed(0)} ms)`);
}

/** The figures for harness/shipped-estimates.ts from a cold run: its phases, its record's jobs by runtime class, this machine's probe. */
async function shippedFigures(cold: AllResult, probeMs: number): Promise<ShippedEstimates> {
  const record = JSON.parse(await readFile(cold.record, 'utf8')) as RunRecord;
  const seconds = (phase: PhaseTiming['phase'], subject: string) => Number((cold.phases.find((entry) => entry.phase === phase && entry.subject === subject)?.seconds ?? 0).toFixed(1));
  const models = [...new Set(cold.phases.filter((entry) => entry.phase === 'bottlenecks').map((entry) => entry.subject))];
  return {
    measured: { date: record.startedAt.slice(0, 10), cpu: `${record.host.cpu} (${record.host.cores} cores)`, cores: record.host.cores, how: `a cold \`bench all\` (run ${record.runId}) by \`npm run benchmark:all\`${extraArgs.length ? ` ${extraArgs.join(' ')}` : ''}`, rounds: record.conditions?.rounds ?? 2, imagesPerClass: (record.config as { dataset?: { imagesPerClass?: number } }).dataset?.imagesPerClass ?? 120 },
    probeMs: Number(probeMs.toFixed(3)),
    datasetSeconds: seconds('dataset', 'dataset'),
    host: Object.fromEntries(models.map((model) => [model, { bottlenecks: seconds('bottlenecks', model), training: seconds('training', model), conversion: seconds('conversion', model) }])),
    jobs: shippedJobFigures(record),
  };
}

/** Images/s of an engine on the same pixels: inference only, after one untimed image. */
async function imagesPerSecond(engine: FeatureEngine, pixels: Uint8Array, count: number, imageBytes: number): Promise<number> {
  await engine.extract(pixels.subarray(0, imageBytes), 1);
  const started = performance.now();
  await engine.extract(pixels, count);
  return count / ((performance.now() - started) / 1000);
}

async function extractionComparison(): Promise<void> {
  const out = await tempDir('bench-all-extraction');
  const log = createLogger({ level: 'quiet' });
  try {
    const backend = await useFastestBackend();
    const root = await generateDefaultDataset({ out, seed: 1, imagesPerClass: 4, log });
    const images = (await scanDataset({ root, validationPercent: 10, testPercent: 10, minImagesPerClass: 1, log })).images;
    console.log(`\nbottleneck extraction, the same ${Math.min(16, images.length)} images of the generated dataset on each engine (inference only):`);
    for (const id of ['mobilenet_v2', 'inception_v3']) {
      const backbone = await loadBackbone(resolveBackbone(id));
      const size = backbone.spec.inputSize;
      const count = Math.min(id === 'inception_v3' ? 8 : 16, images.length);
      const imageBytes = size * size * 3;
      const pixels = new Uint8Array(count * imageBytes);
      for (let index = 0; index < count; index += 1) pixels.set(await decodeImage(images[index]!.path, size), index * imageBytes);
      const fast = await tfliteFeatureEngine(backbone, tfliteHostRunner);
      const fastRate = await imagesPerSecond(fast, pixels, count, imageBytes);
      fast.dispose();
      const tfjsRate = await imagesPerSecond(tfjsFeatureEngine(backbone, backend), pixels, count, imageBytes);
      console.log(`  ${id}: ${fast.name} (${fast.detail}) ${fastRate.toFixed(1)} images/s, TF.js ${backend} ${tfjsRate.toFixed(1)} images/s: ${(fastRate / tfjsRate).toFixed(1)}× (goal ≥ 5×)`);
      backbone.features.dispose();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

machineLoad('before');
if (!process.env.BENCH_SKIP_ALL) {
  const out = await tempDir('bench-all');
  const userCache = await tempDir('bench-all-user-cache');
  try {
    // The probe the shipped figures are scaled by, on this machine now (the cold run's figures are printed with it).
    const probe = await speedProbe();
    const probeMs = 'ms' in probe ? probe.ms : Number.NaN;
    console.error(`== dry run: bench all --dry-run --out ${out} ${extraArgs.join(' ')}`);
    const dry = await benchAll<DryRunResult>(out, userCache, ['--dry-run']);
    console.error(`== cold: bench all --out ${out} ${extraArgs.join(' ')}`);
    const cold = await benchAll(out, userCache);
    console.error(`== warm: bench all --out ${out} ${extraArgs.join(' ')}`);
    const warm = await benchAll(out, userCache);
    console.log(`\nbench all on the default${extraArgs.length ? ` (${extraArgs.join(' ')})` : ''}, cold then warm (phases overlap where noted, so they need not add up):`);
    console.log(`  ${'phase'.padEnd(20)}     cold      warm`);
    for (const line of phaseRows(cold.result, warm.result)) console.log(line);
    const met = (ok: boolean) => (ok ? 'met' : 'missed');
    const first = cold.result.firstResultSeconds;
    console.log(`  first measurement: ${first === null ? 'none' : `${formatDuration(first)} after the command`} (goal ≤ ${formatDuration(FIRST_GOAL_S)}: ${met(first !== null && first <= FIRST_GOAL_S)})`);
    console.log(`  total: cold ${formatDuration(cold.wallSeconds)} (goal ≤ ${formatDuration(COLD_GOAL_S)}: ${met(cold.wallSeconds <= COLD_GOAL_S)}), warm ${formatDuration(warm.wallSeconds)} (goal ≤ ${formatDuration(WARM_GOAL_S)}: ${met(warm.wallSeconds <= WARM_GOAL_S)})`);
    const off = dry.result.totalSeconds / cold.wallSeconds - 1;
    const unknown = dry.result.unknown + dry.result.host.filter((entry) => entry.seconds === undefined).length;
    console.log(`  dry run's estimate on the empty folder: ~${formatDuration(dry.result.totalSeconds)}${unknown ? ` + ${unknown} parts not estimated` : ''} vs cold ${formatDuration(cold.wallSeconds)}: ${off >= 0 ? '+' : '−'}${Math.abs(off * 100).toFixed(0)}% (goal within ±${ESTIMATE_GOAL * 100}%: ${met(unknown === 0 && Math.abs(off) <= ESTIMATE_GOAL)})`);
    await checkCoverage('cold', cold.result);
    await checkCoverage('warm', warm.result);
    console.log(`\nfigures for harness/shipped-estimates.ts from this cold run (paste them there when the machine was quiet; this CPU's probe ${'ms' in probe ? `${probeMs.toFixed(3)} ms on ${probe.runtime}` : `not taken: ${probe.reason}`}):`);
    console.log(JSON.stringify(await shippedFigures(cold.result, probeMs), null, 2));
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(userCache, { recursive: true, force: true });
  }
}
if (!process.env.BENCH_SKIP_EXTRACTION) await extractionComparison();
machineLoad('after');
