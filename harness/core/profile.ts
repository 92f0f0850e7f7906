/**
 * Where the time goes, as plain data: a model's FLOPs and bytes per layer
 * (models/tflite/flops.ts computes them), a runtime's per-layer profile
 * (tf.profile, prefix attribution or benchmark_model's op profile) and what
 * its accelerated path took (delegation coverage). The record, the reports
 * and the terminal all read these shapes.
 */
import type { LayerKind } from './layer-kind.ts';

/** One layer's arithmetic: FLOPs are multiply-adds × 2 plus one per element of element-wise ops. */
export interface LayerCost {
  /** The Keras layer (or GraphDef node) the ops came from. */
  layer: string;
  kind: LayerKind;
  /** TFLite ops lowered from it, in order. */
  ops: string[];
  macs: number;
  flops: number;
  /** Bytes of constant data (weights, biases) in the graph's storage types. */
  weightBytes: number;
  /** Weights plus activations read and written: the traffic the arithmetic intensity divides by. */
  bytes: number;
}

export interface ModelCost {
  layers: LayerCost[];
  macs: number;
  flops: number;
  weightBytes: number;
  bytes: number;
}

/** How a runtime's profile was taken. */
export type ProfileMethod = 'tf.profile' | 'prefix-attribution' | 'benchmark_model';

export interface ProfileRow {
  /** Layer, block ("block_3_expand … block_3_add") or op name. */
  name: string;
  kind: LayerKind;
  /** Time of one inference in this row; null where the backend cannot time its kernels. */
  ms: number | null;
  /** The row's FLOPs where the model's cost covers it. */
  flops?: number;
  /** FLOPs / bytes moved. */
  intensity?: number;
  /** How many kernels or ops the row covers. */
  count: number;
}

/** What a runtime's accelerated path took. */
export interface Coverage {
  /** "XNNPACK", "TfLiteXNNPackDelegate", the TF.js backend… */
  accelerator: string;
  accelerated: number;
  total: number;
  /** How many delegate partitions TFLite made, where it says. */
  partitions?: number;
  /** Ops (by name) left to the runtime's reference kernels, with how many of each. */
  left: Record<string, number>;
  /** Where the counts came from (a log line, the plugin, benchmark_model). */
  source: string;
}

export interface RuntimeProfile {
  runtime: string;
  /** Where it ran when not on this host's Node: `Chromium 156.0…`, a phone. */
  device?: string;
  /** The artifact's variant (float32, int8-dynamic…) or "tfjs". */
  variant: string;
  method: ProfileMethod;
  /** False where the backend cannot time kernels; then `why` says so and row times are null. */
  timed: boolean;
  why?: string;
  rows: ProfileRow[];
  /** Sum of the rows' times; null when untimed. */
  sumMs: number | null;
  /** The same job's end-to-end p50, measured beside the profile. */
  p50Ms: number;
  /** sumMs / p50Ms: how well the parts add up (1 = exactly). */
  ratio: number | null;
  /** One profiled inference's wall time minus the p50: what profiling itself cost. */
  overheadMs?: number;
  coverage?: Coverage;
  /** Model FLOPs / p50, in GFLOP/s. */
  gflops?: number;
  /** The runtime's attainable GFLOP/s (its matrix-multiply probe or the configured peak): "% of peak" and the roofline's ceiling (./roofline.ts). */
  peak?: Peak;
}

/**
 * A convolution the attainable peak is probed on: the model's costliest
 * layers in their exact shapes (models/tflite/peak-probes.ts picks them from
 * the converter's IR) and one representative shape. Square inputs, batch 1.
 */
export interface ProbeShape {
  op: 'conv' | 'depthwise';
  /** Input height and width. */
  side: number;
  inChannels: number;
  outChannels: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padding: 'same' | 'valid';
  /** The model's layer it was taken from; absent for the representative shape. */
  layer?: string;
}

/** A runtime's attainable GFLOP/s and where the figure came from. */
export interface Peak {
  gflops: number;
  /** "probe: a 16×16×512 → 512 1×1 convolution, float32, p50 …" or "config profile.peakGflops[…]". */
  source: string;
}

/** Parts within this fraction of the p50 add up (the bar the profiles are held to). */
export const ADDS_UP_WITHIN = 0.15;

/** Whether a profile's parts add up to its p50, and by how much they do not: "within 15%", "22% short: outside 15%". */
export function addsUpText(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return 'no sum to check';
  const off = ratio - 1;
  if (Math.abs(off) <= ADDS_UP_WITHIN) return `within ${ADDS_UP_WITHIN * 100}%`;
  return `${Math.abs(off * 100).toFixed(0)}% ${off < 0 ? 'short' : 'over'}: outside ${ADDS_UP_WITHIN * 100}%`;
}

/** Achieved GFLOP/s of `flops` done in `ms` milliseconds (0 where the time is not positive). */
export function achievedGflops(flops: number, ms: number): number {
  return ms > 0 ? flops / ms / 1e6 : 0;
}

/** "12.3" GFLOP/s, "–" where unknown. */
export function formatGflops(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** `bench profile`'s result for one model: its arithmetic and one profile per runtime (and variant). */
export interface ModelProfile {
  model: string;
  flops: number;
  macs: number;
  weightBytes: number;
  /** The model's costliest layers by FLOPs (at most 10). */
  topLayers: LayerCost[];
  runtimes: RuntimeProfile[];
  /** Runtimes asked for that could not be profiled, with why. */
  skipped: { runtime: string; variant: string; reason: string }[];
}

/** FLOPs and bytes per layer name, as a job carries them to where it runs (a page). */
export type LayerFlops = Record<string, { flops: number; bytes: number }>;

/** How long each of a profile's timing loops runs: at least `minSamples` inferences and `minTimeMs`. */
export interface ProfileBudget {
  minSamples: number;
  minTimeMs: number;
}

/**
 * A job's request to be profiled where it runs (a page runtime, a phone),
 * after its measurement: `tf.profile` around `repeats` inferences (TF.js),
 * or each of `files` (prefix models, the whole file last) timed in a loop
 * of its own on the job's runtime and settings (LiteRT.js; the host
 * publishes the files), or benchmark_model's own op profile (its
 * `--enable_op_profiling=true`, on the measured runs themselves).
 */
export type ProfileRequest =
  | { method: 'tf.profile'; layerFlops: LayerFlops; repeats: number; /** Run the peak probes too (targets/kernel/peak-probe.ts): the matrix product and these convolutions. */ probe?: boolean; probeShapes?: ProbeShape[] }
  | { method: 'prefix-attribution'; files: Uint8Array[]; budget: ProfileBudget; /** Time these files too: the runtime's peak is the best `flops` over p50 among them. */ probes?: ProbeFile[] }
  | { method: 'benchmark_model'; /** Run these through the same tool after the job: the runtime's peak is the best `flops` over a run among them. */ probes?: ProbeFile[] };

/** A peak probe as a .tflite file taking an RGB image of `side` px (models/tflite/peak-probes.ts). */
export interface ProbeFile {
  file: Uint8Array;
  side: number;
  flops: number;
  description: string;
}

/**
 * What the runtime answers, before the host makes a RuntimeProfile of it:
 * tf.profile's rows as targets/kernel/tfjs-profile.ts makes them, the p50
 * of each requested file in order (the host attributes the blocks), or
 * benchmark_model's op profile as targets/android/benchmark-model-profile.ts parses it.
 */
export type RawProfile =
  | { method: 'tf.profile'; rows: ProfileRow[]; kernels: number; timed: boolean; why?: string; attribution: 'layers' | 'kernels'; sumMs: number | null; wallMs: number; peak?: Peak }
  | { method: 'prefix-attribution'; ms: number[]; peak?: Peak }
  | { method: 'benchmark_model'; rows: ProfileRow[]; byType: { type: string; count: number; ms: number; percent: number }[]; profiledAvgMs?: number; coverage?: Coverage; peak?: Peak };
