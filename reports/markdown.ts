/**
 * A markdown summary of a run for a CI job comment: the Mobile-vs-Lite
 * headline per model, one compact table per model, and the failures.
 * GitHub-flavoured tables; no HTML, so it renders wherever markdown does.
 */
import type { Comparison, KeyComparison } from './compare.ts';
import type { RunRecord } from '../harness/core/record.ts';
import { artifactLabel, buildReportData, type BuildOptions } from './data.ts';
import { runtimeName, type TableRow } from './table-row.ts';
import { count, formatBytes, formatDate, formatMs, formatPercent, formatThroughput } from '../harness/core/format.ts';

/** `|` and line breaks would break a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function tableRow(entry: TableRow): string {
  const runtime = `${runtimeName(entry)}${entry.options ? ` (${entry.options})` : ''}${entry.batchSize && entry.batchSize !== 1 ? ` ×${entry.batchSize}` : ''}`;
  const key = [artifactLabel(entry.format, entry.variant), entry.deviceName, runtime];
  if (entry.status === 'failed') return row([...key, formatBytes(entry.sizeBytes), `failed in ${entry.error!.phase}: ${entry.error!.message}`, '', '', '', '']);
  return row([...key, formatBytes(entry.sizeBytes), formatMs(entry.p50), formatMs(entry.p99), formatThroughput(entry.throughput), formatPercent(entry.accuracy), formatMs(entry.loadMs)]);
}

export function renderMarkdown(record: RunRecord, options: BuildOptions = {}): string {
  const data = buildReportData(record, options);
  const run = data.run;
  const lines: string[] = [];
  const git = run.git ? `, git \`${run.git.commit.slice(0, 10)}\`${run.git.dirty ? ' (dirty)' : ''}` : '';
  lines.push(`### edgebench run \`${run.runId}\``, '');
  lines.push(`${run.status === 'complete' ? 'Complete' : `**${run.status}** (partial results)`}, started ${formatDate(run.startedAt)}${git}; ${count(record.measurements.length, 'measurement')}, ${count(record.failures.length, 'failure')}.`, '');
  for (const model of data.models) {
    lines.push(`#### ${model.model}${model.training ? ` (test accuracy ${formatPercent(model.training.testAccuracy)} after retraining)` : ''}`, '');
    if (model.summary.length) {
      for (const entry of model.summary) lines.push(`- ${entry.sentence}`);
      lines.push('');
    }
    if (model.rows.length) {
      lines.push(row(['artifact', 'device', 'runtime', 'size', 'p50', 'p99', 'throughput', 'accuracy', 'load']));
      lines.push('|---|---|---|--:|--:|--:|--:|--:|--:|');
      for (const entry of model.rows) lines.push(tableRow(entry));
      lines.push('');
    } else {
      lines.push('Nothing measured.', '');
    }
  }
  if (data.failures.length) {
    lines.push('<details><summary>Failures</summary>', '');
    for (const failure of data.failures) lines.push(`- \`${failure.id.replace(/#batch=\d+$/, '')}\` failed in ${failure.phase}: ${cell(`${failure.error.name}: ${failure.error.message}`)}`);
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

const VERDICT: Record<KeyComparison['verdict'], string> = { regressed: '❌ regressed', improved: '✅ improved', same: 'same', inconclusive: '❔ inconclusive' };

/** `bench compare --format md`: the verdict per key, regressions first, for a CI comment. */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const lines = [`### edgebench compare: \`${comparison.current.runId}\` against \`${comparison.baseline.runId}\``, ''];
  if (!comparison.comparable) return `${[...lines, `Not comparable: ${comparison.reason}`].join('\n')}\n`;
  const { counts, options } = comparison;
  lines.push(
    `${counts.regressed} regressed, ${counts.improved} improved, ${counts.same} same, ${counts.inconclusive} inconclusive (p50 change past ±${(options.threshold * 100).toFixed(1)}% with Mann-Whitney p < ${options.alpha}; accuracy drop past ${options.accuracyDropPoints} points).`,
    '',
  );
  const order: KeyComparison['verdict'][] = ['regressed', 'inconclusive', 'improved', 'same'];
  const entries = [...comparison.entries].sort((left, right) => order.indexOf(left.verdict) - order.indexOf(right.verdict) || left.id.localeCompare(right.id));
  if (entries.length) {
    lines.push(row(['verdict', 'key', 'p50 baseline', 'p50 now', 'change', 'p', 'accuracy Δ', 'why']));
    lines.push('|---|---|--:|--:|--:|--:|--:|---|');
    for (const entry of entries) {
      const latency = entry.latency;
      lines.push(
        row([
          VERDICT[entry.verdict],
          `\`${entry.id.replace(/#batch=1$/, '').replace(/#batch=(\d+)$/, ' batch $1')}\``,
          latency ? formatMs(latency.baselineP50) : '–',
          latency ? formatMs(latency.currentP50) : '–',
          latency ? `${latency.ratio >= 1 ? '+' : '−'}${Math.abs((latency.ratio - 1) * 100).toFixed(1)}%` : '–',
          latency?.pValue == null ? '–' : latency.pValue < 1e-12 ? '< 1e-12' : latency.pValue < 0.0001 ? latency.pValue.toExponential(1) : latency.pValue.toFixed(4),
          entry.accuracy.deltaPoints === null ? '–' : Math.abs(entry.accuracy.deltaPoints) < 0.05 ? '0.0' : `${entry.accuracy.deltaPoints > 0 ? '+' : '−'}${Math.abs(entry.accuracy.deltaPoints).toFixed(1)}`,
          entry.reasons.join('; '),
        ]),
      );
    }
    lines.push('');
  }
  if (comparison.onlyInBaseline.length) lines.push(`Only in the baseline (not compared): ${comparison.onlyInBaseline.map((id) => `\`${id}\``).join(', ')}`, '');
  if (comparison.onlyInCurrent.length) lines.push(`New in this run (not compared): ${comparison.onlyInCurrent.map((id) => `\`${id}\``).join(', ')}`, '');
  return `${lines.join('\n').trimEnd()}\n`;
}
