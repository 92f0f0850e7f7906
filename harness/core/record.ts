/**
 * The run record: plain, JSON-safe, versioned data. Everything a report,
 * `bench history` or `bench compare` shows is read from this shape alone.
 *
 * Written to `<out>/runs/<run-id>/run.json` incrementally (see ../record-store.ts)
 * so a crash or Ctrl-C loses nothing already measured.
 */

import type { EnergyRecord } from './energy-record.ts';
import type { SustainedRecord } from './sustained-record.ts';

import type { ModelProfile } from './profile.ts';

/** Bump when a field changes meaning; compare refuses records of another version. */
export const RECORD_SCHEMA = 1 as const;

/** The two deployment paths the project compares. */
export type ArtifactFormat = 'tfjs' | 'tflite';

/** The Lite variants, in the order reports show them. `tfjs` artifacts have variant `float32`. */
export const VARIANTS = ['float32', 'float16', 'int8-dynamic', 'int8'] as const;
export type ArtifactVariant = (typeof VARIANTS)[number];

/** The target kinds (harness/targets.ts maps each to its adapter). */
export const TARGETS = ['node', 'browser', 'android'] as const;
export type TargetKind = (typeof TARGETS)[number];

/** Where a job ran. Browsers and phones fill the optional parts. */
export interface DeviceInfo {
  /** Stable id used in measurement keys: `host`, `chromium-156`, an adb serial. */
  id: string;
  kind: TargetKind;
  /** Human-readable: "Linux x64 (Intel Xeon …)", "Chromium 156.0.8078.73", "Pixel 7". */
  name: string;
  os?: string;
  cpu?: string;
  cores?: number;
  memoryBytes?: number;
  browser?: { name: string; version: string; userAgent?: string };
  gpu?: { vendor?: string; renderer?: string; adapter?: string };
  android?: {
    serial: string;
    model: string;
    androidVersion: string;
    soc: string;
    abi: string;
    battery?: { level: number; charging: boolean; temperatureC?: number };
    thermalStatus?: string;
  };
  /** Anything else a target wants to keep (threads, SIMD, cross-origin isolation …). */
  extra?: Record<string, string | number | boolean>;
}

/** One artifact file (or folder, for a TF.js model: model.json + shards). */
export interface ArtifactInfo {
  /** `<model>/<format>/<variant>`, e.g. `mobilenet_v2/tflite/int8`. */
  id: string;
  model: string;
  format: ArtifactFormat;
  variant: ArtifactVariant;
  /** Absolute path to model.json or the .tflite file. */
  path: string;
  /** Total bytes of every file a runtime downloads for this artifact. */
  bytes: number;
  gzipBytes: number;
  sha256: string;
  /** FLOPs of one image through the model (harness/model-flops.ts); absent where it could not be counted. */
  flops?: number;
}

/**
 * What a job measures: `infer` (load, latency, accuracy of the artifact) or
 * `retrain` (bottleneck extraction and head training on the device itself,
 * then the accuracy the trained head reaches; see targets/kernel/head-training.ts).
 */
export const WORKLOADS = ['infer', 'retrain'] as const;
export type Workload = (typeof WORKLOADS)[number];

/**
 * Identifies one measurement across runs. Two records are compared key by key,
 * so every field must be stable from run to run on the same setup.
 */
export interface MeasurementKey {
  model: string;
  format: ArtifactFormat;
  variant: ArtifactVariant;
  target: TargetKind;
  /** DeviceInfo.id */
  device: string;
  /** `tfjs-wasm`, `tfjs-cpu`, `tfjs-tensorflow`, `tfjs-tensorflow-gpu`, `tfjs-webgl`, `tfjs-webgpu`, `tflite-node`, `litert-wasm`, `litert-webgpu`, `tflite-benchmark-model` … */
  runtime: string;
  /** Runtime options that change the numbers: threads, simd, batch size, delegate … */
  options: Record<string, string | number | boolean>;
  /** Absent in inference keys (and in every record from before retraining was measured on targets): read it with workloadOf. */
  workload?: Workload;
}

/** A key's workload: a key without one is an inference key. */
export function workloadOf(key: Pick<MeasurementKey, 'workload'>): Workload {
  return key.workload ?? 'infer';
}

/** Latency statistics in milliseconds, from ./stats.ts. */
export interface LatencyStats {
  samples: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  /** Relative margin of error of the mean at 95% confidence, in percent. */
  rme: number;
}

export interface Evaluation {
  /** How many images of the evaluation pack were used (the first N, in pack order: class round-robin, so balanced). */
  images: number;
  /** Top-1 accuracy in [0, 1]. */
  accuracy: number;
  /**
   * One character per evaluated image, in pack order: `1` when its top-1 class
   * is its label, else `0`. A job stopped by its evaluation budget may use a
   * different number of images from run to run; compare judges accuracy on
   * the prefix both runs evaluated. Absent in records from before it was kept.
   */
  hits?: string;
  /** Agreement with the reference output (the same model on the host's fastest exact TF.js engine, named here); null when no reference was available. */
  agreement: { reference: string; top1: number; maxAbsDiff: number } | null;
  /** Hash of everything the answers depend on (harness/evaluation-reuse.ts); absent in older records. */
  fingerprint?: string;
  /** The run that evaluated these images, when this run found the same fingerprint there and did not evaluate again. */
  reusedFrom?: string;
}

/** `extraction` and `training` are the retrain workload's phases (it also uses setup, load and evaluation). */
export type JobPhase = 'setup' | 'load' | 'first-inference' | 'warmup' | 'loop' | 'evaluation' | 'extraction' | 'training';

/**
 * What a retrain job measured besides the shared fields (where its
 * `samples`/`latency` are the ms of each training step, `throughput` training
 * examples per second, `evaluation` the trained head on the evaluation pack).
 */
export interface RetrainNumbers {
  /** Bottlenecks of the training pack through the backbone (the artifact cut at its feature layer). */
  extraction: { images: number; batchSize: number; ms: number; imagesPerSecond: number };
  /** Head training: `steps` steps of `batchSize` examples drawn from the pack's bottlenecks. */
  training: { steps: number; batchSize: number; ms: number; msPerStep: number; finalLoss: number };
  /** Extraction + training, ms. */
  timeToRetrainMs: number;
  /** Top-1 accuracy of the trained head on the evaluation pack; null when not evaluated (a later round). */
  accuracy: number | null;
  /** The host's retrain with the same pack, steps and hyper-parameters, and how far below it still counts as agreeing; null when unknown. */
  host: { accuracy: number; backend: string; tolerance: number } | null;
  /** The loss went non-finite, or the accuracy fell more than `tolerance` below the host's: a finding about the backend, not a failure. */
  diverged: boolean;
  /** Highest tf.memory().numBytes seen during the job, where the runtime reports it. */
  peakRuntimeBytes?: number;
}

/** What the measurement kernel measures for one job: the same fields on every target. */
export interface MeasuredNumbers {
  /** Milliseconds. */
  loadMs: number;
  firstInferenceMs: number;
  warmup: { iterations: number; ms: number };
  latency: LatencyStats;
  /** Raw per-iteration latencies in ms (kept for significance tests). */
  samples: number[];
  /** Images per second: batchSize / mean latency. */
  throughput: number;
  memory: { peakRssBytes?: number; runtimeBytes?: number; runtimeTensors?: number };
  evaluation: Evaluation | null;
  /** Present for the retrain workload only. */
  retrain?: RetrainNumbers;
}

/**
 * One round of a job: the job measured once more in a fresh worker process or
 * page, with the rounds of all jobs interleaved (see harness/round-schedule.ts).
 * compare decides on the spread between rounds, not on the samples inside one.
 */
export interface MeasuredRound {
  /** 1-based. */
  round: number;
  startedAt: string;
  finishedAt: string;
  loadMs: number;
  firstInferenceMs: number;
  warmup: { iterations: number; ms: number };
  latency: LatencyStats;
  /** This round's raw per-iteration latencies in ms. */
  samples: number[];
  memory: MeasuredNumbers['memory'];
  /** This round's energy, where measured (compare tests energy on the rounds, as latency). */
  energy?: EnergyRecord;
}

/**
 * A job's numbers. Measured in rounds, the top-level fields summarise them:
 * `samples` and `latency` pool every round's samples (in round order),
 * `loadMs` and `firstInferenceMs` are the medians over rounds, `warmup` the
 * total, `memory.peakRssBytes` the highest; `evaluation` comes from the one
 * round that evaluated (the first).
 */
export interface Measurement extends MeasuredNumbers {
  key: MeasurementKey;
  artifact: string; // ArtifactInfo.id
  device: DeviceInfo;
  batchSize: number;
  startedAt: string;
  finishedAt: string;
  /** Device state around the job where the target can read it (battery, thermal …). */
  deviceState?: { before?: Record<string, unknown>; after?: Record<string, unknown> };
  /** Each round's own numbers, in round order. Absent in records made before rounds existed (read them as one round). */
  rounds?: MeasuredRound[];
  /**
   * `bench all` timed this job in one round (not the run's conditions.rounds): its file, code, runtime, device and
   * images are unchanged since this run, whose rounds the out folder holds (harness/warm-rounds.ts).
   */
  unchangedSince?: string;
  /** Energy per inference where the target measures it (phones with `android.energy.enabled`); see energy-record.ts. */
  energy?: EnergyRecord;
  /** Sustained mode (`--sustained`): latency per second and the device's readings alongside; see sustained.ts. */
  sustained?: SustainedRecord;
  /** Achieved GFLOP/s: the artifact's FLOPs × batch size / p50 (absent where the FLOPs are unknown). */
  gflops?: number;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export interface Failure {
  key: MeasurementKey;
  artifact: string;
  /** The round that failed, when the job was measured in rounds (later rounds of that job are not run). */
  round?: number;
  phase: JobPhase;
  error: SerializedError;
  at: string;
}

export interface HostInfo {
  os: string;
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
}

/** Runtime download cost for web apps (JS bundle + wasm files), per runtime. */
export interface RuntimeSize {
  runtime: string;
  files: { path: string; bytes: number; gzipBytes: number }[];
  bytes: number;
  gzipBytes: number;
}

/** The retraining summary of a model, copied from its metadata.json so reports need nothing else. */
export interface TrainingSummary {
  model: string;
  backbone: string;
  classNames: string[];
  splits: { train: number; validation: number; test: number };
  testAccuracy: number;
  history: TrainingPoint[];
  confusionMatrix: number[][];
}

export interface TrainingPoint {
  step: number;
  trainAccuracy: number;
  trainLoss: number;
  validationAccuracy: number;
  validationLoss: number;
}

/**
 * How the jobs were measured: the schedule and the knobs that reduce noise,
 * so that a reader can tell a quiet setup from a noisy one.
 */
export interface MeasurementConditions {
  /** Rounds per job (each in a fresh worker process or page). */
  rounds: number;
  /** `interleaved`: round 1 of every job, then round 2 …; `shuffled`: the same, each round in a seeded random order. */
  order: 'interleaved' | 'shuffled';
  seed?: number;
  /** Pause before each round on a machine's lane, in ms. */
  cooldownMs: number;
  /** Threads given to runtimes that take a count (run.threads, else every core). */
  threads: number;
  /** CPUs the Node target's worker processes were pinned to, or why they were not; null when not asked for. */
  affinity: { cpus: number[]; applied: boolean; reason?: string } | null;
}

export interface RunRecord {
  schema: typeof RECORD_SCHEMA;
  /** Identifies what was benchmarked; compare only matches records with the same definition. */
  benchmark: { name: string; version: number };
  runId: string;
  startedAt: string;
  finishedAt?: string;
  /** `running` until the run ends; `interrupted` after Ctrl-C; `complete` otherwise. */
  status: 'running' | 'complete' | 'interrupted';
  host: HostInfo;
  git?: { commit: string; dirty: boolean };
  /** The resolved configuration (see ./config.ts). */
  config: unknown;
  /** Rounds, order and noise knobs of this run; absent in records made before rounds existed. */
  conditions?: MeasurementConditions;
  artifacts: ArtifactInfo[];
  training: TrainingSummary[];
  runtimeSizes: RuntimeSize[];
  devices: DeviceInfo[];
  measurements: Measurement[];
  failures: Failure[];
  /** `bench profile`: where the time goes, per model (./profile.ts). */
  profiles?: ModelProfile[];
}

/** A stable string for a key, used for matching records and for display. */
export function keyId(key: MeasurementKey): string {
  const options = Object.keys(key.options)
    .sort()
    .map((name) => `${name}=${String(key.options[name])}`)
    .join(',');
  // Inference keys keep the id they had before workloads existed, so old records still match.
  const workload = workloadOf(key) === 'infer' ? '' : `+${workloadOf(key)}`;
  return `${key.model}/${key.format}/${key.variant}@${key.target}:${key.device}/${key.runtime}${options ? `[${options}]` : ''}${workload}`;
}

/** Stable id of a measurement across runs: its key and batch size. */
export function measurementId(entry: { key: MeasurementKey; batchSize?: number }): string {
  return `${keyId(entry.key)}#batch=${entry.batchSize ?? 1}`;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: 'Error', message: String(error) };
}
