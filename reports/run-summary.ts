/**
 * The short table printed at the end of `bench run`: one line per
 * measurement (fastest first within each model and device), then one line
 * per failure. The full data is in the run record.
 */
import { keyId, type RunRecord } from '../harness/core/record.ts';
import { formatMs, formatPercent, formatSmall } from '../harness/core/format.ts';

export interface SummaryRow {
  model: string;
  /** `tfjs float32`, `tflite int8` … */
  artifact: string;
  device: string;
  runtime: string;
  batch: number;
  p50: number;
  p99: number;
  rme: number;
  samples: number;
  loadMs: number;
  accuracy: number | null;
  agreementTop1: number | null;
  maxAbsDiff: number | null;
}

export function summaryRows(record: RunRecord): SummaryRow[] {
  return record.measurements
    .map((measurement) => ({
      model: measurement.key.model,
      artifact: `${measurement.key.format} ${measurement.key.variant}`,
      device: measurement.key.device,
      // A software GPU (SwiftShader …) is never read as a GPU's number.
      runtime: measurement.device?.extra?.software ? `${measurement.key.runtime} (software)` : measurement.key.runtime,
      batch: measurement.batchSize,
      p50: measurement.latency.p50,
      p99: measurement.latency.p99,
      rme: measurement.latency.rme,
      samples: measurement.latency.samples,
      loadMs: measurement.loadMs,
      accuracy: measurement.evaluation?.accuracy ?? null,
      agreementTop1: measurement.evaluation?.agreement?.top1 ?? null,
      maxAbsDiff: measurement.evaluation?.agreement?.maxAbsDiff ?? null,
    }))
    .sort((a, b) => a.model.localeCompare(b.model) || a.device.localeCompare(b.device) || a.batch - b.batch || a.p50 - b.p50);
}

const HEADER = ['model', 'artifact', 'device', 'runtime', 'batch', 'p50', 'p99', '±rme', 'n', 'load', 'accuracy', 'agree', 'max|Δp|'];
/** Numbers read better right-aligned. */
const RIGHT = new Set(['batch', 'p50', 'p99', '±rme', 'n', 'load', 'accuracy', 'agree', 'max|Δp|']);

/** The table as lines of text (no colour, so it reads the same in a log file). */
export function formatSummary(record: RunRecord): string[] {
  const rows = summaryRows(record).map((row) => [
    row.model,
    row.artifact,
    row.device,
    row.runtime,
    String(row.batch),
    formatMs(row.p50),
    formatMs(row.p99),
    `${row.rme.toFixed(1)}%`,
    String(row.samples),
    formatMs(row.loadMs),
    formatPercent(row.accuracy),
    formatPercent(row.agreementTop1),
    formatSmall(row.maxAbsDiff),
  ]);
  const lines: string[] = [];
  if (rows.length > 0) {
    const widths = HEADER.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    const render = (cells: string[]) => cells.map((cell, column) => (RIGHT.has(HEADER[column]!) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
    lines.push(render(HEADER), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render));
  } else {
    lines.push('no measurements');
  }
  for (const failure of record.failures) lines.push(`failed: ${keyId(failure.key)} in ${failure.phase}: ${failure.error.message.split('\n')[0]}`);
  return lines;
}
