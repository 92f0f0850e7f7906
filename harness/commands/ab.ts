/**
 * `bench ab --baseline <out folder>`: every job of this out folder measured
 * against the same job on the baseline's artifact, A and B alternated
 * iteration by iteration inside each of several fresh processes, judged per
 * key from the paired ratios. Exit codes as `bench compare`: 0 nothing
 * regressed, 1 a regression (a key slower, or failing on B and not on A),
 * 2 only inconclusive keys under --strict, 3 could not compare (no such
 * baseline folder, a bad flag or config: 1 is taken by a regression).
 */
import { defineCommand } from 'citty';
import { commonArgs, mergeOverrides, num, overridesFrom, setup, type CommandIo, type FlagPaths } from './common.ts';
import { modelOverrides, RUN_PATHS } from './run.ts';
import { UserError } from '../core/errors.ts';
import { baselineArgs } from './baseline-args.ts';
import { withInterrupt } from '../interrupt.ts';
import type { AbVerdict } from '../../reports/ab.ts';
import type { Verdict } from '../../reports/compare.ts';
import type { Logger } from '../core/log.ts';

/** The run flags a pair takes (rounds, order, evaluation: not here) and compare's verdict flags. */
const AB_PATHS: FlagPaths = {
  ...Object.fromEntries(['targets', 'backends', 'min-samples', 'min-time', 'max-time', 'warmup', 'batch-sizes', 'threads', 'seed', 'cpus'].map((flag) => [flag, RUN_PATHS[flag]!])),
  threshold: ['compare.threshold', 'number'],
  alpha: ['compare.alpha', 'number'],
  correction: ['compare.correction', 'text'],
};

/** Run flags an A/B run does not use (it times inference only, in its own order): named when given, never silently dropped. */
const NOT_AB = ['rounds', 'order', 'workload', 'eval-limit', 'eval-budget', 'eval-min-images', 'reevaluate', 'cooldown', 'dry-run'];

/**
 * `bench ab` and `bench run --baseline`: one implementation. Exit 1 means a
 * regression here, so bad input cannot take the CLI's usual 1: it is 3.
 */
export async function runAbCommand(args: Record<string, unknown>, data: unknown): Promise<number> {
  const io = data as CommandIo | undefined;
  try {
    const unused = NOT_AB.filter((flag) => args[flag] !== undefined && args[flag] !== false);
    if (unused.length) throw new UserError(`${unused.map((flag) => `--${flag}`).join(', ')} cannot be used with --baseline: an A/B run times inference only, in pairs`, 'AB_FLAGS');
    return await abCommand(args, io);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const stderr = io?.stderr ?? ((text: string) => void process.stderr.write(text));
    const stdout = io?.stdout ?? ((text: string) => void process.stdout.write(text));
    stderr(`error: ${error.message}\n`);
    if (args.json) stdout(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    return 3;
  }
}

export default defineCommand({
  meta: { name: 'ab', description: 'Measure this out folder\'s models against a baseline (an out folder or a git ref), A and B alternated in each process or page: B/A per key with its interval (exit 1 on a regression); the same as bench run --baseline' },
  args: {
    ...commonArgs,
    ...baselineArgs,
    baseline: { ...baselineArgs.baseline, required: true },
    model: { type: 'string', description: 'Retrained model ids, comma-separated (default: the config\'s)', valueHint: 'ids' },
    targets: { type: 'string', description: 'Targets, comma-separated: node pairs A and B in each worker process, browser and android (page runtimes) in each page', valueHint: 'list' },
    backends: { type: 'string', description: 'Runtimes to keep, comma-separated', valueHint: 'list' },
    'min-samples': { type: 'string', description: 'Minimum pairs per process (default 12)', valueHint: 'n' },
    'min-time': { type: 'string', description: 'Minimum measured time per process in ms (default 1000)', valueHint: 'ms' },
    'max-time': { type: 'string', description: 'The paired loop stops after this many ms (default 20000)', valueHint: 'ms' },
    warmup: { type: 'string', description: 'Warm-up inferences of each side before the loop (default 5)', valueHint: 'n' },
    'batch-sizes': { type: 'string', description: 'Batch sizes, comma-separated (default 1)', valueHint: 'list' },
    threads: { type: 'string', description: 'CPU threads for runtimes that take a count (default: every core)', valueHint: 'n' },
    seed: { type: 'string', description: 'Seed of the per-pair order (default 1)', valueHint: 'n' },
    cpus: { type: 'string', description: 'Pin the worker processes to these CPUs, comma-separated (Linux, taskset)', valueHint: 'list' },
  },
  run: ({ args, data }) => runAbCommand(args, data),
});

async function abCommand(args: Record<string, unknown>, io: CommandIo | undefined): Promise<number> {
  if (args.format !== undefined && args.format !== 'text' && args.format !== 'md') throw new UserError(`--format must be text or md (got "${args.format}")`, 'AB_FORMAT');
  const processes = num(args.processes) ?? (await import('../ab.ts')).DEFAULT_AB_PROCESSES;
  if (typeof processes !== 'number' || !Number.isInteger(processes) || processes < 1) throw new UserError(`--processes must be a positive integer (got "${args.processes}")`, 'AB_PROCESSES');
  const maxProcesses = num(args['max-processes']);
  if (maxProcesses !== undefined && !(typeof maxProcesses === 'number' && Number.isInteger(maxProcesses) && maxProcesses >= processes)) throw new UserError(`--max-processes must be an integer ≥ --processes (${processes}) (got "${args['max-processes']}")`, 'AB_PROCESSES');
  // --pairs is the pair loop's --min-samples under its A/B name; one of the two.
  if (args.pairs !== undefined && args['min-samples'] !== undefined) throw new UserError('--pairs and --min-samples are the same setting here: give one', 'AB_FLAGS');
  if (args.pairs !== undefined) args = { ...args, 'min-samples': args.pairs };
  const context = await setup(args, mergeOverrides(overridesFrom(args, AB_PATHS), modelOverrides(args)), io, { out: 'lock', command: 'bench ab' });
  const { runAb } = await import('../ab.ts');
  const outcome = await withInterrupt(context.log, (signal) => runAb({ config: context.config, log: context.log, out: context.out, baseline: String(args.baseline), cwd: context.cwd, processes, ...(typeof maxProcesses === 'number' ? { maxProcesses } : {}), signal })).finally(() => context.lock?.release());
  for (const line of outcome.skipped) context.log.warn(`not measured: ${line}`);
  printVerdict(outcome.verdict, context.log);
  context.log.info(`A/B verdicts: ${outcome.path}`);
  context.log.result({ ...outcome.verdict, skipped: outcome.skipped, path: outcome.path });
  if (args.format === 'md') {
    const { renderAbMarkdown } = await import('../../reports/ab-markdown.ts');
    context.stdout(renderAbMarkdown(outcome.verdict, { baseline: String(args.baseline), current: context.out }));
  }
  const { abExitCode } = await import('../../reports/ab.ts');
  return abExitCode(outcome.verdict, { strict: Boolean(args.strict) });
}

const MARK: Record<Verdict, string> = { regressed: '✗ regressed', improved: '✓ improved', same: '= same', inconclusive: '? inconclusive' };

/** One row per key: verdict, key, B/A, its interval, and why. */
function printVerdict(verdict: AbVerdict, log: Logger): void {
  if (verdict.keys.length === 0) {
    log.error('no job ran on both sides: nothing to compare');
    return;
  }
  const rows = verdict.keys.map((key) => [
    MARK[key.verdict],
    key.key,
    key.estimate ? key.estimate.ratio.toFixed(3) : '—',
    key.estimate && key.estimate.pValue !== null ? `${key.estimate.low.toFixed(3)}–${key.estimate.high.toFixed(3)}` : '—',
    key.reason,
  ]);
  const header = ['verdict', 'key', 'B/A', 'interval', 'why'];
  const width = header.map((_, column) => Math.max(header[column]!.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) log.info(row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(width[column]!) : cell)).join('  '));
  const { counts } = verdict;
  log.info(`${counts.regressed} regressed, ${counts.improved} improved, ${counts.same} same, ${counts.inconclusive} inconclusive`);
}
