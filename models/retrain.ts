/**
 * Retraining in the style of "TensorFlow for Poets" (retrain.py): bottlenecks
 * of every image through a frozen backbone, a new softmax head trained on
 * them, then the Mobile-path artifact (backbone + head in one TF.js layers
 * model), labels.txt, metadata.json and the evaluation pack.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { modelIds, type ResolvedConfig } from '../harness/core/config.ts';
import { UserError } from '../harness/core/errors.ts';
import type { Logger } from '../harness/core/log.ts';
import { useFastestBackend } from './backend.ts';
import { computeBottlenecks } from './bottlenecks.ts';
import { guardedFeatureEngine, tfjsFeatureEngine, tfliteFeatureEngine, type FeatureEngine, type TfliteRunner } from './feature-engine.ts';
import { decodeImage, generateDefaultDataset, scanDataset, type Dataset, type ImageEntry } from './dataset/index.ts';
import { writeEvalPack } from '../harness/core/eval-pack.ts';
import { HEAD_LAYER, trainHead, type Batch, type LabeledVectors } from './head.ts';
import { evalPackDir, labelsPath, metadataPath, mobileModelPath } from '../harness/core/layout.ts';
import type { RetrainedMetadata } from '../harness/core/metadata.ts';
import { saveLayersModel } from './model-io.ts';
import { retrainFingerprint, reusableRetrain } from './retrain-fingerprint.ts';
import { loadBackbone, resolveBackbone, type Backbone } from './zoo.ts';

export interface RetrainOptions {
  config: ResolvedConfig;
  log: Logger;
  /** Absolute output folder. */
  out: string;
  cwd?: string;
  signal?: AbortSignal;
  /**
   * The host's native TFLite runner (targets/node/tflite.ts tfliteHostRunner,
   * wired by the harness): bottlenecks then run on a float32 conversion of the
   * backbone there, behind the feature guard. Absent: TF.js only.
   */
  tflite?: TfliteRunner;
  /** Settles when the untimed work begun beside this retrain (`bench all`'s browser launches) is done: the bottlenecks, timed, wait for it. */
  quietBefore?: Promise<unknown>;
}

export interface RetrainedModel {
  model: string;
  modelJsonPath: string;
  metadata: RetrainedMetadata;
  /** Bottlenecks computed now vs read from the cache (a warm run computes none). */
  bottlenecks: { computed: number; cached: number; skipped: number; inferenceSeconds: number; seconds: number; engine: string };
  /** Wall seconds of training the head. */
  trainSeconds: number;
  /** True when nothing retraining reads had changed since the last retrain, whose artifact was kept (models/retrain-fingerprint.ts). */
  reused: boolean;
}

export interface RetrainOutcome {
  /** Wall seconds of making (or finding) and scanning the dataset. */
  datasetSeconds: number;
  models: RetrainedModel[];
  /** Models that could not be retrained, with why; the others went on. */
  failures: { model: string; error: Error }[];
}

/** Resolves the dataset: the user's `--images` folder, or the generated default. */
export async function resolveDataset(options: RetrainOptions): Promise<{ dataset: Dataset; generated: boolean }> {
  const { config, log } = options;
  const generated = config.dataset.images === undefined;
  const root = generated
    ? await generateDefaultDataset({ out: options.out, seed: config.dataset.seed, imagesPerClass: config.dataset.imagesPerClass, log })
    : resolve(options.cwd ?? process.cwd(), config.dataset.images!);
  const dataset = await scanDataset({
    root,
    validationPercent: config.dataset.validationPercent,
    testPercent: config.dataset.testPercent,
    minImagesPerClass: config.dataset.minImagesPerClass,
    log,
  });
  return { dataset, generated };
}

/** What every model's retrain shares: the dataset, scanned once, and the TF.js backend training runs on. */
export interface RetrainSetup {
  dataset: Dataset;
  generated: boolean;
  backend: string;
  /** Wall seconds of making (or finding) and scanning the dataset. */
  datasetSeconds: number;
}

/** The dataset made (or found) and scanned, and the training backend chosen: once, before any model. */
export async function setUpRetrain(options: RetrainOptions): Promise<RetrainSetup> {
  const { log } = options;
  const backend = await useFastestBackend();
  log.debug(`retraining on TF.js backend "${backend}"`);
  const datasetStarted = performance.now();
  const { dataset, generated } = await resolveDataset(options);
  const datasetSeconds = (performance.now() - datasetStarted) / 1000;
  const splits = countSplits(dataset.images);
  log.info(`dataset ${dataset.root}: ${dataset.classNames.length} classes, ${dataset.images.length} images (train ${splits.train}, validation ${splits.validation}, test ${splits.test})`);
  if (splits.train === 0) throw new UserError(`dataset ${dataset.root} has no training images after the split`, 'DATASET_NO_TRAIN');
  if (splits.test === 0) log.warn(`dataset ${dataset.root} has no test images: raise dataset.testPercent or add images`);
  return { dataset, generated, backend, datasetSeconds };
}

/**
 * One model retrained on the shared setup (`bench all` streams model by
 * model with this); throws what retraining it threw.
 */
export async function retrainModel(id: string, setup: RetrainSetup, options: RetrainOptions): Promise<RetrainedModel> {
  options.signal?.throwIfAborted();
  return retrainOne(id, setup.dataset, setup.generated, setup.backend, options);
}

/** Retrains a head for every model in `config.models`; one failing model does not stop the others. */
export async function retrainModels(options: RetrainOptions): Promise<RetrainOutcome> {
  const setup = await setUpRetrain(options);
  const outcome: RetrainOutcome = { datasetSeconds: setup.datasetSeconds, models: [], failures: [] };
  // Path entries are the user's own models: there is nothing to retrain in them.
  for (const id of modelIds(options.config)) {
    try {
      outcome.models.push(await retrainModel(id, setup, options));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      options.log.error(`${id}: ${(error as Error).message}`);
      outcome.failures.push({ model: id, error: error as Error });
    }
  }
  return outcome;
}

function countSplits(images: ImageEntry[]): Record<'train' | 'validation' | 'test', number> {
  const counts = { train: 0, validation: 0, test: 0 };
  for (const image of images) counts[image.split] += 1;
  return counts;
}

function labeled(images: ImageEntry[], vectors: Map<string, Float32Array>): LabeledVectors & { images: ImageEntry[] } {
  const kept = images.filter((image) => vectors.has(image.path));
  return { images: kept, vectors: kept.map((image) => vectors.get(image.path)!), labels: kept.map((image) => image.classIndex) };
}

function hasDistortions(settings: ResolvedConfig['retrain']['distortions']): boolean {
  return settings.flipLeftRight || settings.randomCrop > 0 || settings.randomScale > 0 || settings.randomBrightness > 0;
}

async function retrainOne(id: string, dataset: Dataset, generated: boolean, backend: string, options: RetrainOptions): Promise<RetrainedModel> {
  const { config, log } = options;
  const spec = resolveBackbone(id, config);
  const checked = performance.now();
  const fingerprint = await retrainFingerprint({ spec, dataset, settings: config.retrain, seed: config.dataset.seed });
  const earlier = config.retrain.reuse ? await reusableRetrain(options.out, id, fingerprint) : undefined;
  if (earlier) {
    const seconds = (performance.now() - checked) / 1000;
    return { model: id, modelJsonPath: mobileModelPath(options.out, id), metadata: earlier, bottlenecks: { computed: 0, cached: 0, skipped: 0, inferenceSeconds: 0, seconds, engine: 'reused' }, trainSeconds: 0, reused: true };
  }
  log.info(`${id}: loading backbone (${spec.description})`);
  const backbone = await loadBackbone(spec);
  const distort = hasDistortions(config.retrain.distortions);
  // Distorted training images are new every step, so only validation and test
  // bottlenecks can come from the cache (as in retrain.py).
  const cachedImages = distort ? dataset.images.filter((image) => image.split !== 'train') : dataset.images;
  const engine = featureEngine(backbone, backend, options);
  try {
    return await retrainWith({ engine, backbone, dataset, generated, backend, distort, cachedImages, fingerprint }, options);
  } finally {
    engine.dispose();
    backbone.features.dispose();
  }
}

/** The guarded fast engine when the harness passed a native runner, else TF.js on the active backend. */
function featureEngine(backbone: Backbone, backend: string, options: RetrainOptions): FeatureEngine {
  const reference = tfjsFeatureEngine(backbone, backend);
  const runner = options.tflite;
  if (!runner) return reference;
  const id = backbone.spec.id;
  return guardedFeatureEngine({
    fast: async () => {
      const started = performance.now();
      const engine = await tfliteFeatureEngine(backbone, runner, { out: options.out });
      const how = engine.kept ? 'read from the cache' : 'converted to float32 .tflite';
      options.log.info(`${id}: bottlenecks on ${engine.name} (${engine.detail ?? ''}), the backbone ${how} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return engine;
    },
    reference,
    log: options.log,
    label: id,
  });
}

interface RetrainInputs {
  engine: FeatureEngine;
  backbone: Backbone;
  dataset: Dataset;
  generated: boolean;
  /** The TF.js backend training runs on. */
  backend: string;
  distort: boolean;
  /** The images whose bottlenecks come from (and go to) the cache. */
  cachedImages: ImageEntry[];
  /** What this retrain read, hashed; kept in metadata.json so the next retrain can reuse it. */
  fingerprint: string | undefined;
}

/** Bottlenecks, the head, its test, and the Mobile artifact of one backbone. */
async function retrainWith(inputs: RetrainInputs, options: RetrainOptions): Promise<RetrainedModel> {
  const { engine, backbone, dataset, generated, backend, distort, cachedImages, fingerprint } = inputs;
  const { config, log, out } = options;
  const { spec } = backbone;
  const id = spec.id;
  await options.quietBefore;
  const bottlenecks = await computeBottlenecks({ backbone, engine, images: cachedImages, out, batchSize: config.retrain.bottleneckBatch, log, signal: options.signal });

  const train = labeled(dataset.images.filter((image) => image.split === 'train'), bottlenecks.vectors);
  const validation = labeled(dataset.images.filter((image) => image.split === 'validation'), bottlenecks.vectors);
  const test = labeled(dataset.images.filter((image) => image.split === 'test'), bottlenecks.vectors);
  const trainImages = distort ? dataset.images.filter((image) => image.split === 'train') : train.images;
  // A small dataset may put no image in a split (the split is a hash of each file name): say so once, never print NaN%.
  if (validation.images.length === 0) log.warn(`${id}: no image in the validation split (${dataset.images.length} images, ${config.dataset.validationPercent}% for validation): validation accuracy is not measured; add images or raise --validation-percent`);
  if (test.images.length === 0) log.warn(`${id}: no image in the test split (${config.dataset.testPercent}% for testing): test accuracy is not measured and benchmarks will measure latency only; add images or raise --test-percent`);

  const progress = log.progress(`${id}: training`, config.retrain.steps);
  const started = performance.now();
  const { head, history } = await trainHead({
    featureSize: backbone.featureSize,
    classes: dataset.classNames.length,
    train,
    validation,
    settings: config.retrain,
    seed: config.dataset.seed,
    ...(distort ? { nextBatch: (size, random) => distortedBatch(engine, backbone, trainImages, size, random, config.retrain.distortions) } : {}),
    progress,
    signal: options.signal,
  });
  const trainSeconds = (performance.now() - started) / 1000;
  const last = history.at(-1);
  progress.done(last && Number.isFinite(last.validationAccuracy) ? `validation accuracy ${(last.validationAccuracy * 100).toFixed(1)}%` : 'done (no validation images)');

  const testing = await testHead(head, test, dataset);
  if (test.images.length > 0) log.info(`${id}: test accuracy ${(testing.accuracy * 100).toFixed(1)}% on ${test.images.length} images`);

  const metadata: RetrainedMetadata = {
    schema: 1,
    model: id,
    backbone: spec.id,
    inputSize: spec.inputSize,
    normalization: spec.normalization,
    classNames: dataset.classNames,
    dataset: {
      root: dataset.root,
      generated,
      splits: { train: train.images.length, validation: validation.images.length, test: test.images.length },
      classCounts: Object.fromEntries(dataset.classNames.map((name) => [name, Object.values(dataset.counts[name] ?? {}).reduce((sum, count) => sum + count, 0)])),
    },
    training: {
      steps: config.retrain.steps,
      learningRate: config.retrain.learningRate,
      batchSize: config.retrain.batchSize,
      optimizer: config.retrain.optimizer,
      distortions: distort,
      backend,
      history,
      testAccuracy: testing.accuracy,
      perClassAccuracy: testing.perClass,
      confusionMatrix: testing.confusion,
      misclassified: testing.misclassified,
      bottleneckSeconds: bottlenecks.inferenceSeconds,
      bottleneckEngine: bottlenecks.engine,
      trainSeconds,
      ...(fingerprint ? { fingerprint } : {}),
    },
    createdAt: new Date().toISOString(),
  };
  const modelJsonPath = await exportMobileArtifact({ backbone, head, metadata, testImages: test.images, out });
  log.info(`${id}: Mobile artifact ${modelJsonPath}`);
  head.dispose();
  return {
    model: id,
    modelJsonPath,
    metadata,
    bottlenecks: {
      computed: bottlenecks.computed,
      cached: bottlenecks.cached,
      skipped: bottlenecks.skipped.length,
      inferenceSeconds: bottlenecks.inferenceSeconds,
      seconds: bottlenecks.seconds,
      engine: bottlenecks.engine,
    },
    trainSeconds,
    reused: false,
  };
}

async function distortedBatch(engine: FeatureEngine, backbone: Backbone, images: ImageEntry[], size: number, random: () => number, distortions: ResolvedConfig['retrain']['distortions']): Promise<Batch> {
  const picks = Array.from({ length: size }, () => images[Math.floor(random() * images.length)]!);
  const imageBytes = backbone.spec.inputSize ** 2 * 3;
  const pixels = new Uint8Array(picks.length * imageBytes);
  for (const [index, image] of picks.entries()) pixels.set(await decodeImage(image.path, backbone.spec.inputSize, { distortions, random }), index * imageBytes);
  const vectors = await engine.extract(pixels, picks.length);
  const x = new Float32Array(picks.length * backbone.featureSize);
  vectors.forEach((vector, index) => x.set(vector, index * backbone.featureSize));
  return { x, labels: picks.map((image) => image.classIndex) };
}

interface TestResult {
  accuracy: number;
  perClass: Record<string, number>;
  confusion: number[][];
  misclassified: { file: string; label: string; predicted: string }[];
}

async function testHead(head: tf.Sequential, test: LabeledVectors & { images: ImageEntry[] }, dataset: Dataset): Promise<TestResult> {
  const classes = dataset.classNames.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  if (test.images.length === 0) return { accuracy: Number.NaN, perClass: {}, confusion, misclassified: [] };
  const featureSize = test.vectors[0]!.length;
  const x = tf.tensor2d(Float32Array.from(test.vectors.flatMap((vector) => Array.from(vector))), [test.vectors.length, featureSize]);
  const predictedTensor = tf.tidy(() => (head.predict(x) as tf.Tensor).argMax(-1));
  const predicted = Array.from(await predictedTensor.data());
  x.dispose();
  predictedTensor.dispose();
  const misclassified: TestResult['misclassified'] = [];
  predicted.forEach((guess, index) => {
    const actual = test.labels[index]!;
    confusion[actual]![guess]! += 1;
    if (guess !== actual) misclassified.push({ file: test.images[index]!.relPath, label: dataset.classNames[actual]!, predicted: dataset.classNames[guess]! });
  });
  const correct = predicted.length - misclassified.length;
  const perClass = Object.fromEntries(
    dataset.classNames.map((name, index) => {
      const row = confusion[index]!;
      const total = row.reduce((sum, count) => sum + count, 0);
      return [name, total ? row[index]! / total : Number.NaN];
    }),
  );
  return { accuracy: correct / predicted.length, perClass, confusion, misclassified };
}

/** Joins backbone and head into one layers model and writes the Mobile artifact, labels, metadata and evaluation pack. */
async function exportMobileArtifact(options: { backbone: Backbone; head: tf.Sequential; metadata: RetrainedMetadata; testImages: ImageEntry[]; out: string }): Promise<string> {
  const { backbone, head, metadata, out } = options;
  const headLayer = head.getLayer(HEAD_LAYER);
  const probabilities = headLayer.apply(backbone.features.outputs[0]!) as tf.SymbolicTensor;
  const full = tf.model({ inputs: backbone.features.inputs, outputs: probabilities, name: metadata.model });
  const modelJsonPath = mobileModelPath(out, metadata.model);
  await saveLayersModel(full, dirname(modelJsonPath));
  await writeFile(labelsPath(out, metadata.model), `${metadata.classNames.join('\n')}\n`);
  await mkdir(dirname(metadataPath(out, metadata.model)), { recursive: true });
  await writeFile(metadataPath(out, metadata.model), `${JSON.stringify(metadata, null, 2)}\n`);

  // The test split decoded once at the model's input size: every target evaluates these bytes.
  const size = metadata.inputSize;
  const imageBytes = size * size * 3;
  const images = new Uint8Array(options.testImages.length * imageBytes);
  for (const [index, image] of options.testImages.entries()) images.set(await decodeImage(image.path, size), index * imageBytes);
  await writeEvalPack(evalPackDir(out, metadata.model), {
    model: metadata.model,
    count: options.testImages.length,
    height: size,
    width: size,
    images,
    labels: options.testImages.map((image) => image.classIndex),
    files: options.testImages.map((image) => image.relPath),
    classNames: metadata.classNames,
  });
  return modelJsonPath;
}
