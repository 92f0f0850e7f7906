/**
 * The report's one data type, built from a run record (plus earlier records
 * for the trend). The HTML writer renders it, the in-page viewer draws its
 * charts from the copy embedded in the page, and markdown reads it too: one
 * shape, so what the table says and what the charts show cannot drift apart.
 *
 * Plain JSON; no Node APIs (the viewer imports the types).
 */
import { enginesSideBySide, type EnginesSideBySide } from './engines.ts';
import type { ModelProfile } from '../harness/core/profile.ts';
import { quantileSorted } from 'simple-statistics';
import type { ArtifactInfo, DeviceInfo, Failure, HostInfo, Measurement, RunRecord, RuntimeSize, TrainingSummary } from '../harness/core/record.ts';
import { measurementId, VARIANTS, workloadOf } from '../harness/core/record.ts';
import { redactRecord } from '../harness/core/redact.ts';
import { roundMedians } from '../harness/core/rounds.ts';
import { varianceComponents } from '../harness/core/significance.ts';
import { coefficientOfVariation, estimateNoise, MIN_RUNS_FOR_RUN_NOISE, sameMachine } from './noise.ts';
import { summarizeModel, type DeviceSummary } from './summary.ts';
import { retrainChart, retrainRows, type RetrainRow } from './retraining.ts';
import { energyReport, type EnergyReport } from './energy.ts';
import { runtimeName, type TableRow } from './table-row.ts';

export const REPORT_DATA_VERSION = 1;

/** [min, Q1, median, Q3, max] of raw samples. */
export type FiveNumbers = [number, number, number, number, number];

export type ChartSpec =
  | { kind: 'box'; id: string; title: string; unit: string; categories: string[]; boxes: FiveNumbers[]; counts: number[] }
  | {
      kind: 'bar';
      id: string;
      title: string;
      unit: 'bytes' | 'ms';
      stacked?: boolean;
      /** Categories down the side, one line each: for long labels (model · backend · device) that would collide side by side. */
      horizontal?: boolean;
      categories: string[];
      series: { name: string; values: (number | null)[] }[];
    }
  | { kind: 'scatter'; id: string; title: string; xName: string; yName: string; series: { name: string; points: { label: string; x: number; y: number }[] }[] }
  | { kind: 'line'; id: string; title: string; xName: string; yName: string; unit: 'ms' | 'percent'; x: string[]; series: { name: string; values: (number | null)[] }[] }
  | { kind: 'heatmap'; id: string; title: string; labels: string[]; matrix: number[][] };

export interface ModelReport {
  model: string;
  /** Fastest Mobile vs fastest Lite option per device, in plain words. */
  summary: DeviceSummary[];
  rows: TableRow[];
  artifacts: ArtifactInfo[];
  training: TrainingSummary | null;
  /** Chart ids, in display order, per section. */
  charts: { latency: string[]; size: string | null; tradeoff: string | null; training: string | null; confusion: string | null; trend: string[] };
}

export interface FailureView {
  id: string;
  artifact: string;
  phase: string;
  error: Failure['error'];
  at: string;
}

export interface ReportData {
  version: typeof REPORT_DATA_VERSION;
  generatedAt: string;
  run: {
    runId: string;
    startedAt: string;
    finishedAt: string | null;
    status: RunRecord['status'];
    git: RunRecord['git'] | null;
    benchmark: RunRecord['benchmark'];
    schema: number;
  };
  host: HostInfo;
  devices: DeviceInfo[];
  runtimeSizes: RuntimeSize[];
  config: unknown;
  models: ModelReport[];
  failures: FailureView[];
  /** The retrain workload, per model, device and backend ("Retraining on each device"); empty when it was not measured. */
  retraining: { rows: RetrainRow[]; chart: string | null };
  /** Energy per inference and sustained runs ("Energy and sustained performance"); absent in data built before it existed. */
  energy?: EnergyReport;
  charts: ChartSpec[];
  /** Earlier runs shown in the trend charts, oldest first (empty without history). */
  history: { runId: string; startedAt: string }[];
  /** The same job in each browser engine (reports/engines.ts); absent in report data from before it existed. */
  engines?: EnginesSideBySide;
  /** `bench profile`'s "Where the time goes" (./profile.ts); absent or empty when the run profiled nothing. */
  profiles?: ModelProfile[];
}

/** keyId + batch size: the id compare matches keys by. */
export const rowId = measurementId;

/** Runtime options for display; the batch size has its own column. */
function optionsText(options: Record<string, string | number | boolean>): string {
  return Object.keys(options)
    .filter((name) => name !== 'batch' && name !== 'batchSize')
    .sort()
    .map((name) => `${name}=${String(options[name])}`)
    .join(', ');
}

/** "TF.js float32" / ".tflite int8": how the report names an artifact. */
export function artifactLabel(format: Measurement['key']['format'], variant: Measurement['key']['variant']): string {
  return format === 'tfjs' ? `TF.js ${variant}` : `.tflite ${variant}`;
}

/** The key's noise: between its rounds in this run, and from run to run over `runs` (this run and earlier ones on the same machine). */
function noiseOf(measurement: Measurement, runs: readonly RunRecord[]): Pick<TableRow, 'rounds' | 'roundNoise' | 'runNoise' | 'noiseRuns'> {
  const medians = roundMedians(measurement).filter((value) => value > 0);
  const round = varianceComponents([medians.map(Math.log)]).round;
  const history = runs.length > 1 ? estimateNoise(rowId(measurement), runs) : null;
  return {
    rounds: medians.length,
    roundNoise: round.df > 0 ? coefficientOfVariation(round.variance) : null,
    runNoise: history && history.runs >= MIN_RUNS_FOR_RUN_NOISE ? coefficientOfVariation(history.run.variance) : null,
    noiseRuns: history && history.runs >= MIN_RUNS_FOR_RUN_NOISE ? history.runs : null,
  };
}

function measuredRow(measurement: Measurement, artifacts: Map<string, ArtifactInfo>, runs: readonly RunRecord[] = []): TableRow {
  const artifact = artifacts.get(measurement.artifact);
  return {
    id: rowId(measurement),
    status: 'measured',
    artifact: measurement.artifact,
    format: measurement.key.format,
    variant: measurement.key.variant,
    target: measurement.key.target,
    device: measurement.key.device,
    deviceName: measurement.device?.name ?? measurement.key.device,
    runtime: measurement.key.runtime,
    software: typeof measurement.device?.extra?.software === 'string' ? measurement.device.extra.software : null,
    options: optionsText(measurement.key.options),
    batchSize: measurement.batchSize,
    sizeBytes: artifact?.bytes ?? null,
    gzipBytes: artifact?.gzipBytes ?? null,
    loadMs: measurement.loadMs,
    firstInferenceMs: measurement.firstInferenceMs,
    p50: measurement.latency.p50,
    p90: measurement.latency.p90,
    p99: measurement.latency.p99,
    samples: measurement.latency.samples,
    ...noiseOf(measurement, runs),
    throughput: measurement.throughput,
    gflops: measurement.gflops ?? null,
    accuracy: measurement.evaluation?.accuracy ?? null,
    agreement: measurement.evaluation?.agreement?.top1 ?? null,
    maxAbsDiff: measurement.evaluation?.agreement?.maxAbsDiff ?? null,
    peakRssBytes: measurement.memory?.peakRssBytes ?? null,
    runtimeBytes: measurement.memory?.runtimeBytes ?? null,
    error: null,
  };
}

function failedRow(failure: Failure, artifacts: Map<string, ArtifactInfo>, devices: Map<string, DeviceInfo>): TableRow {
  const artifact = artifacts.get(failure.artifact);
  return {
    id: rowId(failure),
    status: 'failed',
    artifact: failure.artifact,
    format: failure.key.format,
    variant: failure.key.variant,
    target: failure.key.target,
    device: failure.key.device,
    deviceName: devices.get(failure.key.device)?.name ?? failure.key.device,
    runtime: failure.key.runtime,
    software: null,
    options: optionsText(failure.key.options),
    // A failure keeps no batch size of its own; the key's options may name it.
    batchSize: typeof failure.key.options.batch === 'number' ? failure.key.options.batch : null,
    sizeBytes: artifact?.bytes ?? null,
    gzipBytes: artifact?.gzipBytes ?? null,
    loadMs: null,
    firstInferenceMs: null,
    p50: null,
    p90: null,
    p99: null,
    samples: null,
    rounds: null,
    roundNoise: null,
    runNoise: null,
    noiseRuns: null,
    throughput: null,
    accuracy: null,
    agreement: null,
    maxAbsDiff: null,
    peakRssBytes: null,
    runtimeBytes: null,
    error: { phase: failure.phase, name: failure.error.name, message: failure.error.message },
  };
}

/** Table order: device, then Mobile before Lite, variants in a fixed order, then runtime. */
function compareRows(left: TableRow, right: TableRow): number {
  return (
    left.device.localeCompare(right.device) ||
    left.format.localeCompare(right.format) ||
    VARIANTS.indexOf(left.variant) - VARIANTS.indexOf(right.variant) ||
    left.runtime.localeCompare(right.runtime) ||
    left.options.localeCompare(right.options) ||
    (left.batchSize ?? 0) - (right.batchSize ?? 0)
  );
}

export function fiveNumbers(samples: readonly number[]): FiveNumbers {
  const sorted = [...samples].sort((a, b) => a - b);
  return [sorted[0]!, quantileSorted(sorted, 0.25), quantileSorted(sorted, 0.5), quantileSorted(sorted, 0.75), sorted.at(-1)!];
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function rowLabel(row: Pick<TableRow, 'format' | 'variant' | 'runtime' | 'software' | 'options' | 'batchSize'>): string {
  const extras = [row.options, row.batchSize && row.batchSize !== 1 ? `batch ${row.batchSize}` : ''].filter(Boolean).join(', ');
  return `${artifactLabel(row.format, row.variant)} · ${runtimeName(row)}${extras ? ` (${extras})` : ''}`;
}

export interface BuildOptions {
  /** Earlier records of the same benchmark, oldest first (harness/history.ts loadHistory). */
  history?: RunRecord[];
  /** Fixed time for reproducible output (tests). */
  now?: Date;
}

export function buildReportData(unsafeRecord: RunRecord, options: BuildOptions = {}): ReportData {
  // A record written by an older version, or sent by someone else, may hold credentials in clear: never render them.
  const redacted = redactRecord(unsafeRecord);
  // The retrain workload has its own section: the per-model tables and charts are about inference.
  const record = { ...redacted, measurements: redacted.measurements.filter((entry) => workloadOf(entry.key) === 'infer'), failures: redacted.failures.filter((entry) => workloadOf(entry.key) === 'infer') };
  const artifacts = new Map(record.artifacts.map((artifact) => [artifact.id, artifact]));
  const devices = new Map<string, DeviceInfo>();
  for (const device of record.devices) devices.set(device.id, device);
  for (const measurement of record.measurements) if (measurement.device && !devices.has(measurement.device.id)) devices.set(measurement.device.id, measurement.device);

  const modelNames = [
    ...new Set([...record.training.map((entry) => entry.model), ...record.artifacts.map((entry) => entry.model), ...record.measurements.map((entry) => entry.key.model), ...record.failures.map((entry) => entry.key.model)]),
  ];
  const charts: ChartSpec[] = [];
  const history = (options.history ?? []).map(redactRecord);
  // Run-to-run noise only from runs on this machine (device ids such as `host` repeat across machines).
  const noiseRuns = [...history.filter((entry) => sameMachine(entry.host, record.host)), record];
  const models = modelNames.map((model, modelIndex) => {
    const measurements = record.measurements.filter((entry) => entry.key.model === model);
    const rows = [
      ...measurements.map((entry) => measuredRow(entry, artifacts, noiseRuns)),
      ...record.failures.filter((entry) => entry.key.model === model).map((entry) => failedRow(entry, artifacts, devices)),
    ].sort(compareRows);
    const modelArtifacts = record.artifacts.filter((entry) => entry.model === model);
    const training = record.training.find((entry) => entry.model === model) ?? null;
    const prefix = `m${modelIndex}-${slug(model)}`;
    const chartIds: ModelReport['charts'] = { latency: [], size: null, tradeoff: null, training: null, confusion: null, trend: [] };

    // Latency distributions: one box chart per device.
    for (const device of [...new Set(measurements.map((entry) => entry.key.device))].sort()) {
      const onDevice = measurements
        .filter((entry) => entry.key.device === device && (entry.samples?.length ?? 0) > 0)
        .map((entry) => ({ entry, row: measuredRow(entry, artifacts) }))
        .sort((left, right) => compareRows(left.row, right.row));
      if (onDevice.length === 0) continue;
      const id = `${prefix}-latency-${slug(device)}`;
      charts.push({
        kind: 'box',
        id,
        title: `Latency per inference on ${devices.get(device)?.name ?? device}`,
        unit: 'ms',
        categories: onDevice.map(({ row }) => rowLabel(row)),
        boxes: onDevice.map(({ entry }) => fiveNumbers(entry.samples)),
        counts: onDevice.map(({ entry }) => entry.samples.length),
      });
      chartIds.latency.push(id);
    }

    if (modelArtifacts.length) {
      const sorted = [...modelArtifacts].sort((left, right) => left.format.localeCompare(right.format) || VARIANTS.indexOf(left.variant) - VARIANTS.indexOf(right.variant));
      chartIds.size = `${prefix}-size`;
      charts.push({
        kind: 'bar',
        id: chartIds.size,
        title: 'Download size per variant',
        unit: 'bytes',
        categories: sorted.map((entry) => artifactLabel(entry.format, entry.variant)),
        series: [
          { name: 'raw', values: sorted.map((entry) => entry.bytes) },
          { name: 'gzip', values: sorted.map((entry) => entry.gzipBytes) },
        ],
      });
    }

    const evaluated = rows.filter((row) => row.status === 'measured' && row.accuracy !== null && row.p50 !== null);
    if (evaluated.length) {
      chartIds.tradeoff = `${prefix}-tradeoff`;
      charts.push({
        kind: 'scatter',
        id: chartIds.tradeoff,
        title: 'Accuracy against p50 latency (up and left is better)',
        xName: 'p50 latency (ms)',
        yName: 'top-1 accuracy (%)',
        series: (['tfjs', 'tflite'] as const)
          .map((format) => ({
            name: format === 'tfjs' ? 'Mobile (TF.js)' : 'Lite (.tflite)',
            points: evaluated.filter((row) => row.format === format).map((row) => ({ label: `${rowLabel(row)} on ${row.device}`, x: row.p50!, y: row.accuracy! * 100 })),
          }))
          .filter((series) => series.points.length > 0),
      });
    }

    if (training?.history.length) {
      chartIds.training = `${prefix}-training`;
      charts.push({
        kind: 'line',
        id: chartIds.training,
        title: `Retraining of ${training.backbone}: accuracy by step`,
        xName: 'step',
        yName: 'accuracy (%)',
        unit: 'percent',
        x: training.history.map((point) => String(point.step)),
        series: [
          { name: 'training', values: training.history.map((point) => point.trainAccuracy * 100) },
          { name: 'validation', values: training.history.map((point) => point.validationAccuracy * 100) },
        ],
      });
    }
    if (training?.confusionMatrix.length) {
      chartIds.confusion = `${prefix}-confusion`;
      charts.push({ kind: 'heatmap', id: chartIds.confusion, title: 'Confusion matrix of the test split (rows: actual, columns: predicted)', labels: training.classNames, matrix: training.confusionMatrix });
    }

    chartIds.trend.push(...trendCharts(prefix, measurements, history, record, charts));
    return { model, summary: summarizeModel(rows), rows, artifacts: modelArtifacts, training, charts: chartIds } satisfies ModelReport;
  });

  return {
    version: REPORT_DATA_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    run: {
      runId: record.runId,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt ?? null,
      status: record.status,
      git: record.git ?? null,
      benchmark: record.benchmark,
      schema: record.schema,
    },
    host: record.host,
    devices: [...devices.values()],
    runtimeSizes: record.runtimeSizes,
    config: record.config,
    models,
    failures: redacted.failures.map((failure) => ({ id: rowId(failure), artifact: failure.artifact, phase: failure.phase, error: failure.error, at: failure.at })),
    retraining: retrainingSection(redacted, devices, charts),
    engines: enginesSideBySide(redacted),
    energy: energyReport(redacted.measurements, devices),
    charts,
    history: history.map((entry) => ({ runId: entry.runId, startedAt: entry.startedAt })),
    ...(redacted.profiles?.length ? { profiles: redacted.profiles } : {}),
  };
}

function retrainingSection(record: RunRecord, devices: Map<string, DeviceInfo>, charts: ChartSpec[]): ReportData['retraining'] {
  const rows = retrainRows(record.measurements, record.failures, devices);
  const chart = retrainChart(rows);
  if (!chart) return { rows, chart: null };
  const id = 'retraining-time';
  charts.push({ kind: 'bar', id, title: 'Time to retrain: bottleneck extraction + head training', unit: 'ms', stacked: true, horizontal: true, ...chart });
  return { rows, chart: id };
}

/**
 * p50 and accuracy of every key of this run across the earlier runs that
 * measured the same key (same device, runtime and options): one line per key.
 */
function trendCharts(prefix: string, measurements: Measurement[], history: RunRecord[], record: RunRecord, charts: ChartSpec[]): string[] {
  if (history.length === 0 || measurements.length === 0) return [];
  const runs = [...history, record];
  const byRun = runs.map((run) => new Map(run.measurements.map((entry) => [rowId(entry), entry])));
  const keys = measurements.map((entry) => ({ id: rowId(entry), label: `${rowLabel(measuredRow(entry, new Map()))} on ${entry.key.device}` }));
  // Only keys seen in at least one earlier run have a trend to show.
  const withPast = keys.filter((key) => byRun.slice(0, -1).some((map) => map.has(key.id)));
  if (withPast.length === 0) return [];
  // Run ids are long; month-day hour:minute reads better on an axis (the id is kept when two runs share a minute).
  const short = runs.map((run) => `${run.startedAt.slice(5, 10)} ${run.startedAt.slice(11, 16)}`);
  const x = short.map((label, index) => (short.indexOf(label) !== short.lastIndexOf(label) ? runs[index]!.runId : label));
  const p50 = `${prefix}-trend-p50`;
  charts.push({
    kind: 'line',
    id: p50,
    title: 'Trend of p50 latency across runs (same device and runtime)',
    xName: 'run',
    yName: 'p50 (ms)',
    unit: 'ms',
    x,
    series: withPast.map((key) => ({ name: key.label, values: byRun.map((map) => map.get(key.id)?.latency.p50 ?? null) })),
  });
  const ids = [p50];
  const evaluated = withPast.filter((key) => byRun.some((map) => map.get(key.id)?.evaluation));
  if (evaluated.length) {
    const accuracy = `${prefix}-trend-accuracy`;
    charts.push({
      kind: 'line',
      id: accuracy,
      title: 'Trend of top-1 accuracy across runs',
      xName: 'run',
      yName: 'accuracy (%)',
      unit: 'percent',
      x,
      series: evaluated.map((key) => ({
        name: key.label,
        values: byRun.map((map) => {
          const value = map.get(key.id)?.evaluation?.accuracy;
          return value === undefined ? null : value * 100;
        }),
      })),
    });
    ids.push(accuracy);
  }
  return ids;
}
