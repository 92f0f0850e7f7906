/**
 * The one implementation of `bench ab` and `bench run --baseline`: flags →
 * config, the A/B run (harness/ab.ts), the verdict table, markdown and the
 * exit code. The run flags' paths and --model parsing come from the caller
 * (commands/run.ts owns them), so this file never imports the run command.
 */
import { mergeOverrides, num, overridesFrom, setup, type CommandContext, type CommandIo, type FlagOverrides, type FlagPaths } from './common.ts';
import { UserError } from '../core/errors.ts';
import { withInterrupt } from '../interrupt.ts';
import type { AbVerdict } from '../../reports/ab.ts';
import type { Verdict } from '../../reports/compare.ts';
import type { Logger } from '../core/log.ts';

/** What the run command owns: its flags' config paths and --model parsing. */
export interface RunFlags {
  runPaths: FlagPaths;
  modelOverrides: (args: Record<string, unknown>) => FlagOverrides;
  /**
   * `bench all --baseline`: this side's artifacts are built first (its
   * retrain and convert flags, ./ab-all.ts), then paired as `bench ab` pairs
   * them. Absent: the out folder's artifacts as they are.
   */
  build?: { command: string; overrides: FlagOverrides; artifacts: (context: CommandContext, signal: AbortSignal) => Promise<void> };
}

/** The run flags a pair takes (rounds, order, workload: not here) and compare's verdict flags. */
function abPaths(runPaths: FlagPaths): FlagPaths {
  return {
    ...Object.fromEntries(['targets', 'backends', 'min-time', 'max-time', 'batch-sizes', 'threads', 'seed', 'cpus', 'browser', 'devices', 'eval-limit', 'eval-budget', 'eval-min-images', 'reevaluate'].flatMap((flag) => (runPaths[flag] ? [[flag, runPaths[flag]]] : []))),
    pairs: ['ab.pairs', 'number'],
    warmup: ['ab.warmupPairs', 'number'],
    'min-effect': ['ab.minEffect', 'number'],
    alpha: ['ab.alpha', 'number'],
    correction: ['compare.correction', 'text'],
  };
}
/** Run flags an A/B run does not use (it times inference only, in its own order): named when given, never silently dropped. */
const NOT_AB = ['rounds', 'order', 'workload', 'cooldown', 'dry-run'];

/**
 * `bench ab` and `bench run --baseline`: one implementation. Exit 1 means a
 * regression here, so bad input cannot take the CLI's usual 1: it is 3.
 */
export async function runAbCommand(args: Record<string, unknown>, data: unknown, flags: RunFlags): Promise<number> {
  const io = data as CommandIo | undefined;
  try {
    const unused = NOT_AB.filter((flag) => args[flag] !== undefined && args[flag] !== false);
    if (unused.length) throw new UserError(`${unused.map((flag) => `--${flag}`).join(', ')} cannot be used with --baseline: an A/B run times inference in pairs and evaluates each side once`, 'AB_FLAGS');
    return await abCommand(args, io, flags);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const stderr = io?.stderr ?? ((text: string) => void process.stderr.write(text));
    const stdout = io?.stdout ?? ((text: string) => void process.stdout.write(text));
    stderr(`error: ${error.message}\n`);
    if (args.json) stdout(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    return 3;
  }
}


async function abCommand(args: Record<string, unknown>, io: CommandIo | undefined, flags: RunFlags): Promise<number> {
  if (args.format !== undefined && args.format !== 'text' && args.format !== 'md') throw new UserError(`--format must be text or md (got "${args.format}")`, 'AB_FORMAT');
  const processes = num(args.processes) ?? (await import('../ab.ts')).DEFAULT_AB_PROCESSES;
  if (typeof processes !== 'number' || !Number.isInteger(processes) || processes < 1) throw new UserError(`--processes must be a positive integer (got "${args.processes}")`, 'AB_PROCESSES');
  const maxProcesses = num(args['max-processes']);
  if (maxProcesses !== undefined && !(typeof maxProcesses === 'number' && Number.isInteger(maxProcesses) && maxProcesses >= processes)) throw new UserError(`--max-processes must be an integer ≥ --processes (${processes}) (got "${args['max-processes']}")`, 'AB_PROCESSES');
  // A plain job's sample count has no meaning for a pair loop: its count is --pairs.
  if (args['min-samples'] !== undefined) throw new UserError('--min-samples cannot be used with --baseline: an A/B run times --pairs per process (default 12)', 'AB_FLAGS');
  const context = await setup(args, mergeOverrides(overridesFrom(args, abPaths(flags.runPaths)), flags.modelOverrides(args), ...(flags.build ? [flags.build.overrides] : [])), io, { out: 'lock', command: flags.build?.command ?? 'bench ab' });
  const { checkBaselineName, runAb } = await import('../ab.ts');
  const outcome = await withInterrupt(context.log, async (signal) => {
    if (flags.build) {
      // Before the build: a baseline that is not there fails in one line, not after minutes of retraining.
      checkBaselineName(String(args.baseline), context.cwd, context.out);
      await flags.build.artifacts(context, signal);
    }
    return runAb({ config: context.config, log: context.log, out: context.out, baseline: String(args.baseline), cwd: context.cwd, processes, ...(typeof maxProcesses === 'number' ? { maxProcesses } : {}), signal });
  }).finally(() => context.lock?.release());
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
