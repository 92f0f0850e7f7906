/**
 * `bench compare --baseline <run-id|path|latest> [run-id]`: holds a run (the
 * newest by default) against a baseline, on the rounds of each key, with the
 * run-to-run noise of earlier runs on this machine (or `bench calibrate`'s)
 * and the p-values adjusted across keys. Either side may be runs of several
 * hosts merged (`--merge`, a comma-separated `--baseline`; docs/browsers.md),
 * each key then compared with its own host's. Exit codes: 0 nothing regressed,
 * 1 a regression, 2 under --strict: inconclusive keys or baseline keys missing now, 3 could not compare.
 */
import { defineCommand } from 'citty';
import { commonArgs, overridesFrom, setup, type CommandIo, type FlagPaths } from './common.ts';
import { compareExitCode, compareRecords, type Comparison, type KeyComparison, type Verdict } from '../../reports/compare.ts';
import { describeNoise, describeNoisyKeys, describeRule, formatNoise } from '../../reports/compare-text.ts';
import { readCalibration } from '../calibration.ts';
import { UserError } from '../core/errors.ts';
import { loadHistory, RecordError, resolveRun } from '../history.ts';
import type { Logger } from '../core/log.ts';
import type { RunRecord } from '../core/record.ts';

/** Compare flags → config paths. */
const COMPARE_PATHS: FlagPaths = {
  threshold: ['compare.threshold', 'number'],
  alpha: ['compare.alpha', 'number'],
  'accuracy-drop': ['compare.accuracyDropPoints', 'number'],
  correction: ['compare.correction', 'text'],
  history: ['compare.history', 'number'],
};

export default defineCommand({
  meta: { name: 'compare', description: 'Compare a run against a baseline: regressed / improved / same / inconclusive per key (exit 1 on a regression)' },
  args: {
    ...commonArgs,
    run: { type: 'positional', required: false, description: 'Run id or run.json path to check (default: the newest run)' },
    baseline: { type: 'string', required: true, description: 'Baseline: a run id, a run.json path, `latest` (the newest run other than the checked one), or runs of several hosts to merge (lab-a=/runs/x,lab-b=/runs/y)', valueHint: 'run' },
    merge: { type: 'string', description: 'Check runs from several hosts merged, comma-separated run folders or run.json paths, each optionally labelled (lab-a=/path/run); each device keeps its host, so keys compare host by host (docs/browsers.md)', valueHint: 'runs' },
    format: { type: 'string', description: 'text (default: a table on stderr) or md (markdown on stdout, for a CI comment)', valueHint: 'text|md' },
    strict: { type: 'boolean', description: 'Exit 2 when nothing regressed but some keys are inconclusive or missing from this run' },
    threshold: { type: 'string', description: 'Relative p50 change below which a key is the same (default 0.05)', valueHint: 'fraction' },
    alpha: { type: 'string', description: 'Family-wise significance level: the chance that a comparison of unchanged code flags any key (default 0.01)', valueHint: 'p' },
    correction: { type: 'string', description: "Adjustment across keys: holm (family-wise, default), bh (Benjamini-Hochberg, false discovery rate) or none", valueHint: 'holm|bh|none' },
    history: { type: 'string', description: 'Earlier runs on this machine that estimate run-to-run noise (default 20, 0 for none)', valueHint: 'n' },
    'accuracy-drop': { type: 'string', description: 'Accuracy drop in points that is a regression (default 1)', valueHint: 'points' },
  },
  async run({ args, data }) {
    if (args.format !== undefined && args.format !== 'text' && args.format !== 'md') throw new UserError(`--format must be text or md (got "${args.format}")`, 'COMPARE_FORMAT');
    const { config, log, out, cwd, stdout } = await setup(
      args,
      overridesFrom(args, COMPARE_PATHS),
      data as CommandIo | undefined,
      { out: 'read' },
    );
    let comparison: Comparison;
    try {
      const { current, baseline, merged } = await compareInputs(args, out, cwd, log);
      if (baseline.record.runId === current.record.runId && baseline.sources === current.sources) {
        log.error(`the baseline and the checked run are the same run (${current.record.runId}): pass another --baseline`);
        return 3;
      }
      if (current.record.status !== 'complete') log.warn(`run ${current.record.runId} is ${current.record.status}: comparing what it measured`);
      const history = config.compare.history > 0 && !merged ? await loadHistory(out, current.record, { limit: config.compare.history }) : [];
      const { calibration, problem } = await readCalibration(out);
      if (problem) log.warn(problem);
      comparison = compareRecords(baseline.record, current.record, config.compare, { history, calibration });
    } catch (error) {
      if (error instanceof RecordError) {
        log.error(error.message);
        log.result({ comparable: false, reason: error.message });
        return 3;
      }
      throw error;
    }
    printComparison(comparison, log);
    log.result(comparison);
    if (args.format === 'md') {
      const { renderComparisonMarkdown } = await import('../../reports/markdown.ts');
      stdout(renderComparisonMarkdown(comparison));
    }
    return compareExitCode(comparison, { strict: Boolean(args.strict) });
  },
});

/** One side of a comparison; `sources` (the runs merged, `label=runId`, joined) tells two merged runs apart, as runId tells single ones. */
interface Side {
  record: RunRecord;
  sources?: string;
}

/**
 * The checked run and the baseline, either of them runs of several hosts
 * merged (`--merge`, a comma-separated `--baseline`): merged, each device
 * keeps its host, so a key compares only with the same host's key; a merged
 * side against a single run shares no key, which the log says.
 */
async function compareInputs(args: { run?: string; baseline: string; merge?: string }, out: string, cwd: string, log: Logger): Promise<{ current: Side; baseline: Side; merged: boolean }> {
  const { isRunList, readMergedRun } = await import('../merged-run.ts');
  const mergedSide = async (argument: string): Promise<Side> => {
    const run = await readMergedRun(argument, cwd);
    return { record: run.record, sources: run.sources.join(',') };
  };
  if (args.merge && args.run) throw new UserError('bench compare: pass the run to check as a run or as --merge, not both', 'COMPARE_RUNS');
  const current: Side = args.merge ? await mergedSide(args.merge) : await resolveRun(out, args.run, { cwd });
  const baseline: Side = isRunList(args.baseline) ? await mergedSide(args.baseline) : await resolveRun(out, args.baseline, { exclude: current.record.runId, cwd });
  const merged = current.sources !== undefined || baseline.sources !== undefined;
  if (merged) {
    if ((current.sources === undefined) !== (baseline.sources === undefined)) log.warn('one side is runs of several hosts merged, the other a single run: their devices carry different names (a merged device is <id>-on-<label>), so no key is in both; merge both sides with the same labels');
    log.info('merged runs: each key compares with the same host\'s key; run-to-run noise comes from calibration only (no history across hosts)');
  }
  return { current, baseline, merged };
}

const MARK: Record<Verdict, string> = { regressed: '✗ regressed', improved: '✓ improved', same: '= same', inconclusive: '? inconclusive' };

function printComparison(comparison: Comparison, log: Logger): void {
  log.info(`baseline ${comparison.baseline.runId}  →  current ${comparison.current.runId}`);
  if (!comparison.comparable) {
    log.error(comparison.reason);
    return;
  }
  log.info(describeRule(comparison));
  log.info(describeNoise(comparison));
  if (comparison.entries.length === 0) {
    log.error('no measurement key is in both runs: nothing to compare');
    return;
  }
  const rows = comparison.entries.map((entry) => [MARK[entry.verdict], label(entry), [...entry.reasons, noiseText(entry)].filter(Boolean).join('; ')]);
  const width = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) log.info(`${row[0]!.padEnd(width[0]!)}  ${row[1]!.padEnd(width[1]!)}  ${row[2]}`);
  if (comparison.onlyInBaseline.length) {
    // Not a regression (no job failed: its device or runtime was not found), but a gate that expects the
    // device must hear of it: --strict fails on it.
    log.warn(`missing from this run (measured in the baseline, not compared; --strict fails on these): ${comparison.onlyInBaseline.join(', ')}`);
  }
  if (comparison.onlyInCurrent.length) log.info(`new in this run (not compared): ${comparison.onlyInCurrent.join(', ')}`);
  const noisy = describeNoisyKeys(comparison);
  if (noisy) log.warn(noisy);
  const { counts } = comparison;
  log.info(`${counts.regressed} regressed, ${counts.improved} improved, ${counts.same} same, ${counts.inconclusive} inconclusive`);
}

function noiseText(entry: KeyComparison): string {
  const noise = entry.latency?.noise;
  if (!noise) return '';
  return `noise ${formatNoise(noise)}`;
}

function label(entry: KeyComparison): string {
  return entry.batchSize === 1 ? entry.id.replace(/#batch=1$/, '') : entry.id.replace(/#batch=(\d+)$/, ' (batch $1)');
}
