/**
 * `bench ab --baseline <out folder or git ref>`: every job of this out
 * folder measured against the same job on the baseline, A and B alternated
 * inside each of several fresh processes or pages, judged per key from the
 * paired ratios; `bench run --baseline` is the same command (./ab-run.ts).
 * Exit codes as `bench compare`: 0 nothing regressed, 1 a regression (a key
 * slower or less accurate, or failing on B and not on A), 2 only
 * inconclusive keys under --strict, 3 could not compare (no such baseline,
 * a bad flag or config: 1 is taken by a regression).
 */
import { defineCommand } from 'citty';
import { commonArgs } from './common.ts';
import { modelOverrides, runArgs, RUN_PATHS } from './run.ts';
import { runAbCommand } from './ab-run.ts';
import { baselineArgs } from './baseline-args.ts';

export default defineCommand({
  meta: { name: 'ab', description: 'Measure this out folder\'s models against a baseline (an out folder or a git ref), A and B alternated in each process or page: B/A per key with its interval (exit 1 on a regression); the same as bench run --baseline' },
  args: {
    ...commonArgs,
    ...baselineArgs,
    baseline: { ...baselineArgs.baseline, required: true },
    model: { type: 'string', description: 'Retrained model ids, comma-separated (default: the config\'s)', valueHint: 'ids' },
    targets: { type: 'string', description: 'Targets, comma-separated: node pairs A and B in each worker process, browser and android (page runtimes) in each page', valueHint: 'list' },
    backends: { type: 'string', description: 'Runtimes to keep, comma-separated', valueHint: 'list' },
    'min-time': { type: 'string', description: 'Minimum measured time per process in ms (default 1000)', valueHint: 'ms' },
    'max-time': { type: 'string', description: 'The paired loop stops after this many ms (default 20000)', valueHint: 'ms' },
    warmup: { type: 'string', description: 'Warm-up pairs before the loop, after each side\'s first inference (default 2)', valueHint: 'n' },
    'batch-sizes': { type: 'string', description: 'Batch sizes, comma-separated (default 1)', valueHint: 'list' },
    threads: { type: 'string', description: 'CPU threads for runtimes that take a count (default: every core)', valueHint: 'n' },
    seed: { type: 'string', description: 'Seed of the per-pair order (default 1)', valueHint: 'n' },
    cpus: { type: 'string', description: 'Pin the worker processes to these CPUs, comma-separated (Linux, taskset)', valueHint: 'list' },
    // Where and on what, as for `bench run` (ab-run.ts passes these through to the run config).
    browser: runArgs.browser,
    devices: runArgs.devices,
    'eval-limit': runArgs['eval-limit'],
    'eval-budget': runArgs['eval-budget'],
    'eval-min-images': runArgs['eval-min-images'],
    reevaluate: runArgs.reevaluate,
  },
  run: ({ args, data }) => runAbCommand(args, data, { runPaths: RUN_PATHS, modelOverrides }),
});
