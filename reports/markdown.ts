/**
 * A markdown summary of a run for a CI job comment: the Mobile-vs-Lite
 * headline per model, one compact table per model, and the failures.
 * GitHub-flavoured tables; no HTML of ours but one <details>, so it renders
 * wherever markdown does. Everything copied from a record (labels, model and
 * device names, error messages, ids) is escaped: a run record may come from
 * anyone, and a CI comment must not render its HTML or markdown.
 */
import type { Comparison, KeyComparison } from './compare.ts';
import { describeNoise, describeNoisyKeys, describeRule, formatNoise } from './compare-text.ts';
import type { RunRecord } from '../harness/core/record.ts';
import { artifactLabel, buildReportData, type BuildOptions } from './data.ts';
import { runtimeName, type TableRow } from './table-row.ts';
import { formatDuration, retrainAccuracyText, type RetrainRow } from './retraining.ts';
import { enginesMarkdown, enginesSideBySide } from './engines.ts';
import { redactText } from '../harness/core/redact.ts';
import { energyMarkdown } from './energy-markdown.ts';
import { formatGflops } from '../harness/core/profile.ts';
import { profileMarkdown } from './profile.ts';
import { count, formatBytes, formatDate, formatMs, formatPercent, formatThroughput } from '../harness/core/format.ts';

/**
 * Text copied from a record, escaped so that it renders as the text it is:
 * markdown and HTML specials get a backslash (CommonMark escapes any ASCII
 * punctuation), line breaks become spaces, `|` cannot end a table cell.
 */
export function mdText(value: string): string {
  return value.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*_[\]<>|~&]/g, '\\$&');
}

/**
 * A code span of copied text: a fence longer than any run of backticks
 * inside, so the text cannot close it. Inside a table, `|` still splits
 * cells in GFM even in code, so it is escaped there.
 */
export function mdCode(value: string, options: { inTable?: boolean } = {}): string {
  const flat = value.replace(/\r\n|\r|\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const padded = flat.startsWith('`') || flat.endsWith('`') ? ` ${flat} ` : flat;
  return `${fence}${options.inTable ? padded.replace(/\|/g, '\\|') : padded}${fence}`;
}

/** A table row of cells already rendered as markdown (with mdText or mdCode). */
function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function tableRow(entry: TableRow): string {
  const runtime = `${runtimeName(entry)}${entry.options ? ` (${entry.options})` : ''}${entry.batchSize && entry.batchSize !== 1 ? ` ×${entry.batchSize}` : ''}`;
  const key = [artifactLabel(entry.format, entry.variant), entry.deviceName, runtime].map(mdText);
  if (entry.status === 'failed') return row([...key, formatBytes(entry.sizeBytes), mdText(`failed in ${entry.error!.phase}: ${entry.error!.message}`), '', '', '', '', '', '']);
  return row([...key, formatBytes(entry.sizeBytes), formatMs(entry.p50), formatMs(entry.p99), noise(entry), formatThroughput(entry.throughput), formatGflops(entry.gflops), formatPercent(entry.accuracy), formatMs(entry.loadMs)]);
}

function retrainRow(entry: RetrainRow): string {
  const backend = entry.software ? `${entry.runtime} — ${entry.software}` : entry.runtime;
  const key = [entry.model, entry.device, backend].map(mdText);
  if (entry.status === 'failed') return row([...key, entry.trainImages === null ? '–' : `${entry.trainImages} images`, mdText(`failed in ${entry.failure!.phase}: ${entry.failure!.message}`), '', '', '']);
  return row([
    ...key,
    `${entry.trainImages} images`,
    `${entry.extractionImagesPerSecond!.toFixed(1)} images/s`,
    `${formatMs(entry.msPerStep)} × ${entry.steps}`,
    formatDuration(entry.timeToRetrainMs),
    mdText(retrainAccuracyText(entry)),
  ]);
}

/** Spread of the round medians, and run to run where earlier runs tell it. */
function noise(entry: TableRow): string {
  const rounds = entry.roundNoise === null ? `${entry.rounds ?? 1} round` : `±${(entry.roundNoise * 100).toFixed(1)}% (${entry.rounds} rounds)`;
  return entry.runNoise === null ? rounds : `${rounds}, runs ±${(entry.runNoise * 100).toFixed(1)}%`;
}

export function renderMarkdown(record: RunRecord, options: BuildOptions = {}): string {
  const data = buildReportData(record, options);
  const run = data.run;
  const lines: string[] = [];
  const git = run.git ? `, git ${mdCode(run.git.commit.slice(0, 10))}${run.git.dirty ? ' (dirty)' : ''}` : '';
  lines.push(`### edgebench run ${mdCode(run.runId)}`, '');
  lines.push(`${run.status === 'complete' ? 'Complete' : `**${mdText(run.status)}** (partial results)`}, started ${mdText(formatDate(run.startedAt))}${git}; ${count(record.measurements.length, 'measurement')}, ${count(record.failures.length, 'failure')}.`, '');
  for (const model of data.models) {
    lines.push(`#### ${mdText(model.model)}${model.training ? ` (test accuracy ${formatPercent(model.training.testAccuracy)} after retraining)` : ''}`, '');
    if (model.summary.length) {
      for (const entry of model.summary) lines.push(`- ${mdText(entry.sentence)}`);
      lines.push('');
    }
    if (model.rows.length) {
      lines.push(row(['artifact', 'device', 'runtime', 'size', 'p50', 'p99', 'noise', 'throughput', 'GFLOP/s', 'accuracy', 'load']));
      lines.push('|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|');
      for (const entry of model.rows) lines.push(tableRow(entry));
      lines.push('');
    } else {
      lines.push(data.retraining.rows.some((entry) => entry.model === model.model) ? 'No inference job (its retrain jobs are below).' : 'Nothing measured.', '');
    }
  }
  lines.push(...enginesMarkdown(enginesSideBySide(record), { text: (value) => mdText(redactText(value)), row }));
  if (data.retraining.rows.length) {
    lines.push('#### Retraining on each device', '', 'A new head trained on the device: the training pack through the backbone (extraction), then head training; its accuracy beside the host\'s retrain of the same pack.', '');
    lines.push(row(['model', 'device', 'backend', 'training pack', 'extraction', 'ms per step', 'time to retrain', 'accuracy']));
    lines.push('|---|---|---|--:|--:|--:|--:|---|');
    for (const entry of data.retraining.rows) lines.push(retrainRow(entry));
    lines.push('');
  }
  if (data.energy) lines.push(...energyMarkdown(data.energy, mdText));
  lines.push(...profileMarkdown(data.profiles));
  if (data.failures.length) {
    lines.push('<details><summary>Failures</summary>', '');
    for (const failure of data.failures) lines.push(`- ${mdCode(failure.id.replace(/#batch=\d+$/, ''))} failed in ${mdText(failure.phase)}: ${mdText(`${failure.error.name}: ${failure.error.message}`)}`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

const VERDICT: Record<KeyComparison['verdict'], string> = { regressed: '❌ regressed', improved: '✅ improved', same: 'same', inconclusive: '❔ inconclusive' };

/** `bench compare --format md`: the verdict per key, regressions first, for a CI comment. */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const lines = [`### edgebench compare: ${mdCode(comparison.current.runId)} against ${mdCode(comparison.baseline.runId)}`, ''];
  if (!comparison.comparable) return redactText(`${[...lines, `Not comparable: ${mdText(comparison.reason)}`].join('\n')}\n`);
  const { counts } = comparison;
  lines.push(`${counts.regressed} regressed, ${counts.improved} improved, ${counts.same} same, ${counts.inconclusive} inconclusive.`, '');
  lines.push(`${mdText(describeRule(comparison))}; ${mdText(describeNoise(comparison))}.`, '');
  const noisy = describeNoisyKeys(comparison);
  if (noisy) lines.push(`⚠️ ${mdText(noisy)}.`, '');
  const order: KeyComparison['verdict'][] = ['regressed', 'inconclusive', 'improved', 'same'];
  const entries = [...comparison.entries].sort((left, right) => order.indexOf(left.verdict) - order.indexOf(right.verdict) || left.id.localeCompare(right.id));
  if (entries.length) {
    lines.push(row(['verdict', 'key', 'p50 baseline', 'p50 now', 'change', 'rounds', 'noise floor', 'p (adjusted)', 'accuracy Δ', 'why']));
    lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|---|');
    for (const entry of entries) {
      const latency = entry.latency;
      lines.push(
        row([
          VERDICT[entry.verdict],
          mdCode(entry.id.replace(/#batch=1$/, '').replace(/#batch=(\d+)$/, ' batch $1'), { inTable: true }),
          latency ? formatMs(latency.baselineP50) : '–',
          latency ? formatMs(latency.currentP50) : '–',
          latency ? `${latency.ratio >= 1 ? '+' : '−'}${Math.abs((latency.ratio - 1) * 100).toFixed(1)}%` : '–',
          latency ? `${latency.rounds.baseline} / ${latency.rounds.current}` : '–',
          latency?.noise.floor == null ? '–' : `±${(latency.noise.floor * 100).toFixed(1)}%`,
          formatP(latency?.adjustedP ?? null),
          entry.accuracy.deltaPoints === null ? '–' : Math.abs(entry.accuracy.deltaPoints) < 0.05 ? '0.0' : `${entry.accuracy.deltaPoints > 0 ? '+' : '−'}${Math.abs(entry.accuracy.deltaPoints).toFixed(1)}`,
          mdText([...entry.reasons, ...(latency ? [`noise ${formatNoise(latency.noise)}`] : [])].join('; ')),
        ]),
      );
    }
    lines.push('');
  }
  if (comparison.onlyInBaseline.length) lines.push(`Missing from this run (measured in the baseline, not compared; \`--strict\` fails on these): ${comparison.onlyInBaseline.map((id) => mdCode(id)).join(', ')}`, '');
  if (comparison.onlyInCurrent.length) lines.push(`New in this run (not compared): ${comparison.onlyInCurrent.map((id) => mdCode(id)).join(', ')}`, '');
  // Compare reads records directly, not through the report data: scrub what it copies.
  return redactText(`${lines.join('\n').trimEnd()}\n`);
}

function formatP(p: number | null): string {
  if (p === null) return '–';
  return p < 1e-12 ? '< 1e-12' : p < 0.0001 ? p.toExponential(1) : p.toFixed(4);
}
