/**
 * The retrain workload: transfer learning timed on the device itself, the
 * same code in a Node worker and, bundled, in the benchmark page. No Node APIs.
 *
 * Phases: load (the Mobile artifact, cut at its head layer into the backbone)
 * → extraction (bottlenecks of the training pack, in batches: images/s) →
 * training (a new head, the host's recipe from harness/core/head-recipe.ts,
 * `steps` steps on batches drawn with replacement from those bottlenecks:
 * ms per step) → evaluation (the trained head on the first images of the
 * evaluation pack: the accuracy reached, beside the host's). A loss that goes
 * non-finite, or an accuracy below the host's by more than the tolerance, is
 * `diverged`: a finding about the backend, never an error.
 */
import type * as Core from '@tensorflow/tfjs-core';
import type * as Layers from '@tensorflow/tfjs-layers';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import { createHead, HEAD_LAYER, type HeadSettings, type TfCore, type TfLayers } from '../../harness/core/head-recipe.ts';
import type { JobPhase, RetrainNumbers } from '../../harness/core/record.ts';
import { computeLatencyStats } from '../../harness/core/stats.ts';
import { top1Accuracy, top1Hits } from './evaluate.ts';
import { batchPixels, PhaseError, phaseRunner } from './measure.ts';
import type { KernelResult } from './types.ts';

export interface RetrainSettings extends HeadSettings {
  steps: number;
  /** Images per batch through the backbone. */
  extractionBatch: number;
  /** The trained head is evaluated on the first N evaluation-pack images. */
  evalImages: number;
  /** How far (a fraction) below the host's accuracy still counts as agreeing. */
  tolerance: number;
  /** False in later rounds: the accuracy of a fixed pack and seed is measured once. */
  evaluate: boolean;
}

/** TF.js as the runtime has it: the core with its backend active, and layers. */
export interface TrainingTf {
  tf: TfCore;
  layers: TfLayers;
}

export interface RetrainInput extends TrainingTf {
  /** Loads the Mobile artifact (backbone + head, a layers model) on the active backend. */
  load: () => Promise<Layers.LayersModel>;
  inputSize: number;
  normalization: { scale: number; offset: number };
  trainPack: EvalPack;
  evalPack: EvalPack;
  settings: RetrainSettings;
  /** The host's accuracy on the same pack, steps and settings; null when unknown (or when this run is the host's). */
  host: { accuracy: number; backend: string } | null;
  sampleRss?: () => number;
  onPhase?: (phase: JobPhase) => void;
}

const now = () => performance.now();

/** Training batches are drawn with replacement, as retrain.py did, from a stream of the seed (mulberry32: no Node API here). */
function seededStream(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function retrain(input: RetrainInput): Promise<KernelResult> {
  const { tf, layers, settings, trainPack } = input;
  let peakRss: number | undefined;
  let peakBytes: number | undefined;
  // tf.memory() before load would initialise TF.js's default backend, not the job's: read it once the model is loaded.
  let loaded = false;
  const sample = () => {
    const rss = input.sampleRss?.();
    if (rss !== undefined && (peakRss === undefined || rss > peakRss)) peakRss = rss;
    if (!loaded) return;
    const bytes = tf.memory().numBytes;
    if (peakBytes === undefined || bytes > peakBytes) peakBytes = bytes;
  };
  const phase = phaseRunner(input.onPhase);
  if (trainPack.count === 0) throw new PhaseError('setup', new Error('the training pack has no image'));
  if (!Number.isInteger(settings.steps) || settings.steps < 1) throw new PhaseError('setup', new RangeError(`steps must be a positive integer, got ${settings.steps}`));
  sample();

  const loadStarted = now();
  const model = await phase('load', input.load);
  const disposables: { dispose(): void }[] = [model];
  loaded = true;
  try {
    const backbone = await phase('load', async () => cutAtHead(layers, model));
    const loadMs = now() - loadStarted;
    const featureSize = backbone.outputs[0]!.shape.at(-1) as number;
    const classes = trainPack.classNames.length;
    sample();

    const extracted = await phase('extraction', () => extract(input, backbone, trainPack, trainPack.count, featureSize, sample));
    const trained = await phase('training', () => trainHead(input, extracted.vectors, trainPack.labels, featureSize, classes, disposables, sample));

    const evaluation = await phase('evaluation', async () => {
      const images = Math.min(settings.evalImages, input.evalPack.count);
      if (!settings.evaluate || images === 0) return null;
      const features = await extract(input, backbone, input.evalPack, images, featureSize, sample);
      return { images, ...(await headAccuracy(tf, trained.head, features.vectors, input.evalPack.labels.slice(0, images), featureSize, classes)), agreement: null };
    });
    sample();

    const latency = computeLatencyStats(trained.samples);
    const trainingMs = trained.samples.reduce((sum, ms) => sum + ms, 0);
    const accuracy = evaluation?.accuracy ?? null;
    const host = input.host ? { ...input.host, tolerance: settings.tolerance } : null;
    const lostAccuracy = accuracy !== null && host !== null && accuracy < host.accuracy - settings.tolerance;
    const numbers: RetrainNumbers = {
      extraction: { images: trainPack.count, batchSize: settings.extractionBatch, ms: extracted.ms, imagesPerSecond: extracted.ms > 0 ? (trainPack.count * 1000) / extracted.ms : 0 },
      training: { steps: settings.steps, batchSize: settings.batchSize, ms: trainingMs, msPerStep: trainingMs / settings.steps, finalLoss: trained.finalLoss },
      timeToRetrainMs: extracted.ms + trainingMs,
      accuracy,
      host,
      diverged: trained.nonFinite || lostAccuracy,
      ...(peakBytes !== undefined ? { peakRuntimeBytes: peakBytes } : {}),
    };
    const memory = tf.memory();
    return {
      loadMs,
      firstInferenceMs: extracted.firstBatchMs,
      warmup: { iterations: 0, ms: 0 },
      latency,
      samples: trained.samples,
      throughput: latency.mean > 0 ? (settings.batchSize * 1000) / latency.mean : 0,
      memory: { ...(peakRss !== undefined ? { peakRssBytes: peakRss } : {}), runtimeBytes: peakBytes ?? memory.numBytes, runtimeTensors: memory.numTensors },
      evaluation,
      retrain: numbers,
    };
  } finally {
    for (const item of disposables.reverse()) {
      try {
        item.dispose();
      } catch {
        // the job's own result or failure matters more than a dispose after it
      }
    }
  }
}

/** The artifact's backbone: its input to the head layer's input (the bottleneck), sharing the loaded weights. */
function cutAtHead(layers: TfLayers, model: Layers.LayersModel): Layers.LayersModel {
  let head: Layers.layers.Layer;
  try {
    head = model.getLayer(HEAD_LAYER);
  } catch {
    throw new Error(`the model has no layer "${HEAD_LAYER}": only a model retrained by edgebench can be retrained on a target`);
  }
  const bottleneck = head.input;
  if (Array.isArray(bottleneck)) throw new Error(`layer "${HEAD_LAYER}" has ${bottleneck.length} inputs, expected one`);
  return layers.model({ inputs: model.inputs, outputs: bottleneck, name: 'edgebench_backbone' });
}

/** Bottlenecks of the first `count` pack images, in batches; the last batch is padded and only its real rows kept. */
async function extract(input: RetrainInput, backbone: Layers.LayersModel, pack: EvalPack, count: number, featureSize: number, sample: () => void): Promise<{ vectors: Float32Array; ms: number; firstBatchMs: number }> {
  const { tf, settings } = input;
  const { scale, offset } = input.normalization;
  const size = input.inputSize;
  const batch = settings.extractionBatch;
  const vectors = new Float32Array(count * featureSize);
  const started = now();
  let firstBatchMs = 0;
  for (let start = 0; start < count; start += batch) {
    const batchStarted = now();
    const pixels = batchPixels(pack, start, batch, count);
    const values = new Float32Array(pixels.length);
    for (let index = 0; index < pixels.length; index += 1) values[index] = pixels[index]! * scale + offset;
    const output = tf.tidy(() => backbone.predict(tf.tensor4d(values, [batch, size, size, 3])) as Core.Tensor);
    const data = (await output.data()) as Float32Array;
    output.dispose();
    if (data.length !== batch * featureSize) throw new Error(`a batch of ${batch} gave ${data.length} bottleneck values, expected ${batch * featureSize}`);
    const real = Math.min(batch, count - start);
    vectors.set(data.subarray(0, real * featureSize), start * featureSize);
    if (start === 0) firstBatchMs = now() - batchStarted;
    sample();
  }
  return { vectors, ms: now() - started, firstBatchMs };
}

/** Top-1 accuracy (and per-image hits) of a trained head on bottleneck vectors. */
async function headAccuracy(tf: TfCore, head: Layers.Sequential, vectors: Float32Array, labels: readonly number[], featureSize: number, classes: number): Promise<{ accuracy: number; hits: string }> {
  const probabilities = tf.tidy(() => head.predict(tf.tensor2d(vectors, [labels.length, featureSize])) as Core.Tensor);
  const values = (await probabilities.data()) as Float32Array;
  probabilities.dispose();
  return { accuracy: top1Accuracy(values, labels, classes), hits: top1Hits(values, labels, classes) };
}

/**
 * The head a retrain job trains, from bottlenecks already computed: the same
 * recipe, seed and batch draws as `retrain` after its extraction, and its
 * accuracy on the evaluation bottlenecks. The host's retrain uses it on the
 * bottleneck cache (harness/retrain-workload.ts), so the figure every target
 * is checked against costs no backbone inference.
 */
export async function trainOnBottlenecks(
  input: TrainingTf & { settings: RetrainSettings },
  train: { vectors: Float32Array; labels: readonly number[] },
  evaluation: { vectors: Float32Array; labels: readonly number[] },
  featureSize: number,
  classes: number,
): Promise<{ accuracy: number; finalLoss: number; nonFinite: boolean }> {
  const disposables: { dispose(): void }[] = [];
  try {
    const trained = await trainHead(input, train.vectors, train.labels, featureSize, classes, disposables, () => {});
    const { accuracy } = await headAccuracy(input.tf, trained.head, evaluation.vectors, evaluation.labels, featureSize, classes);
    return { accuracy, finalLoss: trained.finalLoss, nonFinite: trained.nonFinite };
  } finally {
    for (const item of disposables.reverse()) item.dispose();
  }
}

/** `steps` steps of the host's head recipe; each step's ms includes reading its loss back (trainOnBatch awaits it). */
async function trainHead(
  input: TrainingTf & { settings: RetrainSettings },
  vectors: Float32Array,
  labels: readonly number[],
  featureSize: number,
  classes: number,
  disposables: { dispose(): void }[],
  sample: () => void,
): Promise<{ head: Layers.Sequential; samples: number[]; finalLoss: number; nonFinite: boolean }> {
  const { tf, layers, settings } = input;
  const head = createHead(tf, layers, { featureSize, classes, settings });
  disposables.push(head, { dispose: () => head.optimizer?.dispose() });
  const random = seededStream(settings.seed);
  const count = labels.length;
  const samples: number[] = [];
  let finalLoss = Number.NaN;
  let nonFinite = false;
  for (let step = 0; step < settings.steps; step += 1) {
    const picks = Array.from({ length: settings.batchSize }, () => Math.floor(random() * count));
    const x = new Float32Array(picks.length * featureSize);
    picks.forEach((pick, row) => x.set(vectors.subarray(pick * featureSize, (pick + 1) * featureSize), row * featureSize));
    const started = now();
    const xs = tf.tensor2d(x, [picks.length, featureSize]);
    // tf.cast, not .toFloat(): the page's tfjs-core has no chained ops registered.
    const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(picks.map((pick) => labels[pick]!), 'int32'), classes), 'float32'));
    const [loss] = (await head.trainOnBatch(xs, ys)) as number[];
    samples.push(now() - started);
    xs.dispose();
    ys.dispose();
    finalLoss = loss!;
    if (!Number.isFinite(finalLoss)) nonFinite = true;
    sample();
  }
  return { head, samples, finalLoss, nonFinite };
}
