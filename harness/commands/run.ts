/**
 * `bench run`: benchmark the retrained artifacts on every target found.
 * Exit code 0 when anything was measured, 1 when nothing could be.
 */
import { defineCommand } from 'citty';
import { isModelPath } from '../core/config.ts';
import { commonArgs, list, mergeOverrides, num, overridesFrom, parseNormalization, setup, type CommandContext, type CommandIo, type FlagOverrides, type FlagPaths } from './common.ts';
import { withInterrupt } from '../interrupt.ts';
import { baselineArgs } from './baseline-args.ts';
import { retrainSummaryRows, summaryRows } from '../../reports/run-summary.ts';

/** --model and the flags that describe a model given by path. */
export const modelArgs = {
  model: { type: 'string', description: 'Retrained model ids and/or your own models by path (model.json, layers or graph; .tflite), comma-separated', valueHint: 'ids|paths' },
  images: { type: 'string', description: 'Labelled class-per-folder images for your own models: accuracy as well as agreement', valueHint: 'dir' },
  'input-size': { type: 'string', description: "Your model's square input size, when neither it nor a metadata.json beside it says (default 224)", valueHint: 'px' },
  normalization: { type: 'string', description: 'Input range pixels 0..255 map to, as min,max (e.g. -1,1 or 0,1) or unit/signed, when the model does not say (default -1,1)', valueHint: 'min,max' },
  labels: { type: 'string', description: 'File with one class name per line, when the model does not say (default class_0..)', valueHint: 'file' },
} as const;

/** --model entries; paths carry the describing flags as a config object. */
export function modelOverrides(args: Record<string, unknown>): FlagOverrides {
  const entries = list(args.model);
  if (!entries) return { values: {}, flagOf: {} };
  const inputSize = num(args['input-size']);
  const describe = {
    ...(inputSize !== undefined ? { inputSize } : {}),
    ...(typeof args.normalization === 'string' ? { normalization: parseNormalization(args.normalization) } : {}),
    ...(typeof args.labels === 'string' ? { labels: args.labels } : {}),
  };
  const models = entries.map((entry) => (isModelPath(entry) ? { path: entry, ...describe } : entry));
  // A bad --input-size is named as such: the value sits in every path entry of `models`.
  const flagOf: Record<string, string> = { models: '--model' };
  models.forEach((_, index) => Object.assign(flagOf, { [`models.${index}.inputSize`]: '--input-size', [`models.${index}.labels`]: '--labels' }));
  return { values: { models }, flagOf };
}

export const runArgs = {
  targets: { type: 'string', description: 'Targets, comma-separated: node, browser, android (default: all, whatever is found)', valueHint: 'list' },
  backends: { type: 'string', description: 'Runtimes to keep, comma-separated, e.g. tfjs-wasm,tfjs-cpu,tflite-node (default: every available one)', valueHint: 'list' },
  workload: { type: 'string', description: 'What to measure, comma-separated: infer (latency and accuracy), retrain (a new head trained on each TF.js runtime) (default: infer; bench all: both)', valueHint: 'infer,retrain' },
  'eval-limit': { type: 'string', description: 'Evaluate only the first N images of each evaluation pack (slow runtimes)', valueHint: 'n' },
  'eval-budget': { type: 'string', description: 'Each job evaluates until the whole pack or this many ms spent evaluating (default 15000; 0: no budget)', valueHint: 'ms' },
  'eval-min-images': { type: 'string', description: 'The budget stops a job\'s evaluation only past this many images (default 40)', valueHint: 'n' },
  reevaluate: { type: 'boolean', description: 'Evaluate every job again even where an earlier run evaluated the same file, code, runtime and images (whose accuracy is reused otherwise)' },
  'min-samples': { type: 'string', description: 'Minimum measured inferences per job, all rounds together (default 12)', valueHint: 'n' },
  'min-time': { type: 'string', description: 'Minimum measured time per job in ms (default 1000)', valueHint: 'ms' },
  'max-time': { type: 'string', description: 'The measured loop stops after this many ms (default 20000)', valueHint: 'ms' },
  warmup: { type: 'string', description: 'Warm-up inferences before the measured loop (default 5)', valueHint: 'n' },
  'batch-sizes': { type: 'string', description: 'Batch sizes, comma-separated (default 1)', valueHint: 'list' },
  threads: { type: 'string', description: 'CPU threads for runtimes that take a count (default: every core)', valueHint: 'n' },
  rounds: { type: 'string', description: 'Rounds per job, each in a fresh process or page, interleaved across jobs; the measuring time is split across them (default 2; 3 or more for a CI gate)', valueHint: 'n' },
  order: { type: 'string', description: 'Order of the jobs within each round: interleaved (default) or shuffled (seeded by --seed)', valueHint: 'interleaved|shuffled' },
  seed: { type: 'string', description: 'Seed of the shuffled order (default 1)', valueHint: 'n' },
  cooldown: { type: 'string', description: 'Pause before each round in ms (default 0)', valueHint: 'ms' },
  cpus: { type: 'string', description: "Pin the Node target's worker processes to these CPUs, comma-separated (Linux, taskset)", valueHint: 'list' },
  browser: { type: 'string', description: 'Browsers by name (chromium, chrome, firefox, webkit) or executable path, comma-separated (default: every browser found)', valueHint: 'list' },
  headed: { type: 'boolean', description: 'Show the browser window (debugging)' },
  'browser-endpoint': { type: 'string', description: 'Browsers on other machines, comma-separated: a Playwright server (ws://host:port/…) or a WebDriver server or grid (http://host:port/…)', valueHint: 'urls' },
  devices: { type: 'string', description: 'Android serials to use, comma-separated (default: every attached, authorized phone)', valueHint: 'list' },
  'android-driver': { type: 'string', description: 'How page runtimes reach Chrome on a phone: cdp (adb + DevTools, nothing to install), appium (UiAutomator2, grids, farms) or auto (default: appium when its prerequisites are met or --appium-url is given, else cdp)', valueHint: 'cdp|appium|auto' },
  'appium-url': { type: 'string', description: 'An external Appium server, Selenium Grid or device farm (default: start one from node_modules)', valueHint: 'url' },
  'tflite-benchmark-binary': { type: 'string', description: "TFLite benchmark_model built for the phones' ABI: also run each .tflite natively", valueHint: 'file' },
  sustained: { type: 'string', description: 'Sustained mode: each job runs this long (10m, 90s) with latency per second and thermal status, CPU frequencies and temperatures alongside', valueHint: 'duration' },
  'dry-run': { type: 'boolean', description: 'List every job with an estimated duration (from earlier runs, else a one-inference probe) and the total; measure nothing' },
} as const;

/** `--dry-run`: prints the plan and its estimates; shared with `bench all`. */
export async function runDryRun(context: CommandContext, options: { prospective: boolean }): Promise<number> {
  const { dryRun, formatDryRun, formatPreparation } = await import('../dry-run.ts');
  const outcome = await withInterrupt(context.log, (signal) => dryRun({ config: context.config, log: context.log, out: context.out, signal, prospective: options.prospective }));
  for (const line of [...formatPreparation(outcome.host), ...formatDryRun(outcome)]) context.log.info(line);
  context.log.result({ dryRun: true, jobs: outcome.jobs, leftOut: outcome.leftOut, knownSeconds: outcome.knownSeconds, unknown: outcome.unknown, host: outcome.host, totalSeconds: outcome.totalSeconds });
  return 0;
}

/** Run flags → config paths; shared with `bench all` and `bench calibrate`. */
export const RUN_PATHS: FlagPaths = {
  targets: ['run.targets', 'list'],
  backends: ['run.backends', 'list'],
  workload: ['run.workloads', 'list'],
  'eval-limit': ['run.evalLimit', 'number'],
  'eval-budget': ['run.evalBudgetMs', 'number'],
  'eval-min-images': ['run.evalMinImages', 'number'],
  reevaluate: ['run.reuseEvaluations', 'off-when-set'],
  'min-samples': ['run.minSamples', 'number'],
  'min-time': ['run.minTimeMs', 'number'],
  'max-time': ['run.maxTimeMs', 'number'],
  warmup: ['run.warmupIterations', 'number'],
  'batch-sizes': ['run.batchSizes', 'numbers'],
  threads: ['run.threads', 'number'],
  rounds: ['run.rounds', 'number'],
  order: ['run.order', 'text'],
  seed: ['run.seed', 'number'],
  cooldown: ['run.cooldownMs', 'number'],
  cpus: ['run.cpus', 'numbers'],
  browser: ['browser.browsers', 'list'],
  headed: ['browser.headed', 'boolean'],
  'browser-endpoint': ['browser.endpoints', 'list'],
  devices: ['android.devices', 'list'],
  'android-driver': ['android.driver', 'text'],
  'appium-url': ['android.appiumUrl', 'text'],
  'tflite-benchmark-binary': ['android.tfliteBenchmarkBinary', 'text'],
  sustained: ['run.sustained', 'text'],
};

/** Maps run flags onto config paths; shared with `bench all`. */
export function runOverrides(args: Record<string, unknown>): FlagOverrides {
  return overridesFrom(args, RUN_PATHS);
}

/** `--profile` (bench run and bench all): the run's models profiled on the runtimes it measured (harness/profile.ts); the profile record's path. */
export async function profileAfterRun(context: CommandContext, record: import('../core/record.ts').RunRecord): Promise<string> {
  const { PROFILE_VARIANTS, profileModels, profileRuntimesOf } = await import('../profile.ts');
  const models = [...new Set(record.artifacts.map((artifact) => artifact.model))];
  const variants = PROFILE_VARIANTS.filter((variant) => record.artifacts.some((artifact) => artifact.format === 'tflite' && artifact.variant === variant));
  const outcome = await profileModels({ config: context.config, log: context.log, out: context.out, cwd: context.cwd, models, runtimes: profileRuntimesOf(record), variants, cuts: { count: 12 }, budget: { minSamples: 10, minTimeMs: 1000 } });
  context.log.info(`profile: ${outcome.recordPath}`);
  return outcome.recordPath;
}

/** `--profile`, shared with `bench all`. */
export const profileArgs = {
  profile: { type: 'boolean', description: 'After the run, profile its models on the runtimes it measured that bench profile reaches (a record of its own)' },
} as const;

export default defineCommand({
  meta: { name: 'run', description: 'Benchmark every retrained artifact, or your own model.json/.tflite, on every runtime of every target found, and write the run record' },
  args: {
    ...commonArgs,
    ...modelArgs,
    ...runArgs,
    ...baselineArgs,
    ...profileArgs,
  },
  async run({ args, data }) {
    // --baseline: an A/B run against the baseline, the one implementation `bench ab` is too.
    if (args.baseline !== undefined) return (await import('./ab-run.ts')).runAbCommand(args, data, { runPaths: RUN_PATHS, modelOverrides });
    // A dry run writes nothing: it only reads the out folder (no lock).
    const dry = Boolean(args['dry-run']);
    const context = await setup(args, mergeOverrides(runOverrides(args), modelOverrides(args)), data as CommandIo | undefined, dry ? { out: 'read' } : { out: 'lock', command: 'bench run' });
    if (dry) return runDryRun(context, { prospective: false });
    const { runBenchmarks } = await import('../run.ts');
    const measured = withInterrupt(context.log, (signal) => runBenchmarks({ config: context.config, log: context.log, out: context.out, cwd: context.cwd, signal }));
    const [outcome, profiled] = await measured.then(async (done) => [done, args.profile ? await profileAfterRun(context, done.record) : undefined] as const).finally(() => context.lock?.release());
    const { record } = outcome;
    context.log.result({
      runId: outcome.runId,
      record: outcome.recordPath,
      status: record.status,
      measurements: record.measurements.length,
      failures: record.failures.map((failure) => ({ key: failure.key, phase: failure.phase, error: failure.error.message })),
      summary: summaryRows(record),
      retraining: retrainSummaryRows(record),
      ...(profiled ? { profile: profiled } : {}),
    });
    return record.measurements.length > 0 ? 0 : 1;
  },
});
