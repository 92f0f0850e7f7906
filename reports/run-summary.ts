/**
 * The short tables printed at the end of `bench run` and `bench all`: one
 * line per inference measurement (fastest first within each model and
 * device), then one line per retrain measurement in its own table (a
 * training step is not an inference: its ms per step and accuracy on a small
 * pack read as a broken model in the inference columns), then one line per
 * failure. The full data is in the run record.
 */
import { formatGflops } from '../harness/core/profile.ts';
import { keyId, workloadOf, type DeviceInfo, type RunRecord } from '../harness/core/record.ts';
import { formatMs, formatPercent, formatSmall } from '../harness/core/format.ts';
import { formatDuration, retrainAccuracyText, retrainRows, type RetrainRow } from './retraining.ts';

export interface SummaryRow {
  model: string;
  /** `tfjs float32`, `tflite int8` … */
  artifact: string;
  device: string;
  runtime: string;
  batch: number;
  p50: number;
  p99: number;
  /** Achieved GFLOP/s (the model's FLOPs × batch / p50); null where the FLOPs are unknown. */
  gflops: number | null;
  rme: number;
  samples: number;
  loadMs: number;
  accuracy: number | null;
  agreementTop1: number | null;
  maxAbsDiff: number | null;
}

/** The inference measurements as summary rows; the retrain ones are retrainSummaryRows'. */
export function summaryRows(record: RunRecord): SummaryRow[] {
  return record.measurements
    .filter((measurement) => workloadOf(measurement.key) === 'infer')
    .map((measurement) => ({
      model: measurement.key.model,
      artifact: `${measurement.key.format} ${measurement.key.variant}`,
      device: measurement.key.device,
      // A software GPU (SwiftShader …) is never read as a GPU's number.
      runtime: measurement.device?.extra?.software ? `${measurement.key.runtime} (software)` : measurement.key.runtime,
      batch: measurement.batchSize,
      p50: measurement.latency.p50,
      p99: measurement.latency.p99,
      gflops: measurement.gflops ?? null,
      rme: measurement.latency.rme,
      samples: measurement.latency.samples,
      loadMs: measurement.loadMs,
      accuracy: measurement.evaluation?.accuracy ?? null,
      agreementTop1: measurement.evaluation?.agreement?.top1 ?? null,
      maxAbsDiff: measurement.evaluation?.agreement?.maxAbsDiff ?? null,
    }))
    .sort((a, b) => a.model.localeCompare(b.model) || a.device.localeCompare(b.device) || a.batch - b.batch || a.p50 - b.p50);
}

/** The retrain measurements, as the report's retraining section has them (failures are listed below the tables). */
export function retrainSummaryRows(record: RunRecord): RetrainRow[] {
  const devices = new Map<string, DeviceInfo>(record.devices.map((device) => [device.id, device]));
  return retrainRows(record.measurements, [], devices);
}

const HEADER = ['model', 'artifact', 'device', 'runtime', 'batch', 'p50', 'p99', 'GFLOP/s', '±rme', 'n', 'load', 'accuracy', 'agree', 'max|Δp|'];
/** Numbers read better right-aligned. */
const RIGHT = new Set(['batch', 'p50', 'p99', 'GFLOP/s', '±rme', 'n', 'load', 'accuracy', 'agree', 'max|Δp|']);

/** Columns padded to their widest cell, numbers right-aligned. */
function formatTable(header: readonly string[], right: ReadonlySet<string>, rows: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const render = (cells: string[]) => cells.map((cell, column) => (right.has(header[column]!) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [render([...header]), render(widths.map((width) => '-'.repeat(width))), ...rows.map(render)];
}

const RETRAIN_HEADER = ['model', 'device', 'runtime', 'workload', 'extraction', 'ms/step', 'steps', 'retrain time', 'accuracy'];
const RETRAIN_RIGHT = new Set(['extraction', 'ms/step', 'steps', 'retrain time']);

/** The retrain table: what a retrain job measures, under its own names. */
function formatRetrainTable(rows: readonly RetrainRow[]): string[] {
  const cells = rows.map((row) => [
    row.model,
    row.deviceId,
    row.software ? `${row.runtime} (software)` : row.runtime,
    `retrain, ${row.trainImages} images`,
    `${row.extractionImagesPerSecond!.toFixed(1)} img/s`,
    formatMs(row.msPerStep),
    String(row.steps),
    formatDuration(row.timeToRetrainMs),
    retrainAccuracyText(row),
  ]);
  return formatTable(RETRAIN_HEADER, RETRAIN_RIGHT, cells);
}

/** The tables as lines of text (no colour, so they read the same in a log file). */
export function formatSummary(record: RunRecord): string[] {
  const rows = summaryRows(record).map((row) => [
    row.model,
    row.artifact,
    row.device,
    row.runtime,
    String(row.batch),
    formatMs(row.p50),
    formatMs(row.p99),
    formatGflops(row.gflops),
    `${row.rme.toFixed(1)}%`,
    String(row.samples),
    formatMs(row.loadMs),
    formatPercent(row.accuracy),
    formatPercent(row.agreementTop1),
    formatSmall(row.maxAbsDiff),
  ]);
  const retrain = retrainSummaryRows(record);
  const lines: string[] = [];
  if (rows.length > 0) lines.push(...formatTable(HEADER, RIGHT, rows));
  if (retrain.length > 0) {
    if (rows.length > 0) lines.push('');
    lines.push('retraining on the device (bottleneck extraction, then head training; accuracy of the new head beside the host\'s retrain of the same pack):', ...formatRetrainTable(retrain));
  }
  if (rows.length === 0 && retrain.length === 0) lines.push('no measurements');
  for (const failure of record.failures) lines.push(`failed: ${keyId(failure.key)} in ${failure.phase}: ${failure.error.message.split('\n')[0]}`);
  return lines;
}
