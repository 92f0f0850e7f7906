/**
 * A markdown summary of a run for a CI job comment: the Mobile-vs-Lite
 * headline per model, one compact table per model, and the failures.
 * GitHub-flavoured tables; no HTML, so it renders wherever markdown does.
 */
import type { RunRecord } from '../harness/record.ts';
import { artifactLabel, buildReportData, type BuildOptions, type TableRow } from './data.ts';
import { count, formatBytes, formatDate, formatMs, formatPercent, formatThroughput } from './format.ts';

/** `|` and line breaks would break a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function tableRow(entry: TableRow): string {
  const runtime = `${entry.runtime}${entry.options ? ` (${entry.options})` : ''}${entry.batchSize && entry.batchSize !== 1 ? ` ×${entry.batchSize}` : ''}`;
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
