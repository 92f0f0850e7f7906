/**
 * What the retrain workload needs before its jobs run, per model: the
 * training pack (the first retrainWorkload.images training images in class
 * round-robin order, raw RGB at the model's input size, beside the
 * evaluation pack) and the host's retrain of it (the same kernel, pack,
 * steps and hyper-parameters on the host's fastest TF.js backend), whose
 * accuracy every target's is checked against. Both are cached in the out
 * folder (train-pack/ and its host.json) and remade when what they depend on changes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedConfig } from './core/config.ts';
import { classRoundRobinOrder, readEvalPack, writeEvalPack, type EvalPack } from './core/eval-pack.ts';
import { trainPackDir } from './core/layout.ts';
import type { Logger } from './core/log.ts';
import type { ModelMetadata } from './core/metadata.ts';
import type { ArtifactInfo } from './core/record.ts';
import type { RetrainJob } from '../targets/types.ts';

/** The kernel settings of a retrain job: the host's hyper-parameters (config.retrain, the dataset seed) and the workload's size. */
export function retrainSettings(config: ResolvedConfig): RetrainJob['settings'] {
  return {
    steps: config.retrainWorkload.steps,
    learningRate: config.retrain.learningRate,
    batchSize: config.retrain.batchSize,
    optimizer: config.retrain.optimizer,
    seed: config.dataset.seed,
    extractionBatch: config.retrain.bottleneckBatch,
    evalImages: config.retrainWorkload.evalImages,
    tolerance: config.retrainWorkload.tolerance,
  };
}

interface HostJson {
  /** What the accuracy depends on; a different one is remade. */
  basis: string;
  accuracy: number;
  backend: string;
}

/** Makes (or finds) the model's training pack. */
export async function ensureTrainPack(options: { config: ResolvedConfig; log: Logger; out: string; metadata: ModelMetadata; cwd?: string }): Promise<{ dir: string; pack: EvalPack }> {
  const { config, metadata } = options;
  const dir = trainPackDir(options.out, metadata.model);
  const wanted = config.retrainWorkload.images;
  if (existsSync(join(dir, 'pack.json'))) {
    const pack = await readEvalPack(dir).catch(() => undefined);
    // A pack of another size, image size or class list (another --images) is remade.
    if (pack && pack.height === metadata.inputSize && JSON.stringify(pack.classNames) === JSON.stringify(metadata.classNames) && pack.count === wanted) return { dir, pack };
  }
  const { resolveDataset } = await import('../models/retrain.ts');
  const { decodeImage } = await import('../models/dataset/index.ts');
  const { dataset } = await resolveDataset({ config, log: options.log, out: options.out, ...(options.cwd ? { cwd: options.cwd } : {}) });
  if (JSON.stringify(dataset.classNames) !== JSON.stringify(metadata.classNames)) {
    throw new Error(`the dataset ${dataset.root} has classes ${dataset.classNames.join(', ')}, the model was retrained on ${metadata.classNames.join(', ')}: retrain it on this dataset first`);
  }
  const train = dataset.images.filter((image) => image.split === 'train');
  const picked = classRoundRobinOrder(train.map((image) => image.classIndex))
    .slice(0, wanted)
    .map((index) => train[index]!);
  if (picked.length < wanted) options.log.warn(`${metadata.model}: the training split has ${picked.length} images, fewer than retrainWorkload.images ${wanted}: the training pack holds them all`);
  const size = metadata.inputSize;
  const imageBytes = size * size * 3;
  const images = new Uint8Array(picked.length * imageBytes);
  for (const [index, image] of picked.entries()) images.set(await decodeImage(image.path, size), index * imageBytes);
  const pack: EvalPack = { model: metadata.model, count: picked.length, height: size, width: size, images, labels: picked.map((image) => image.classIndex), files: picked.map((image) => image.relPath), classNames: metadata.classNames };
  await writeEvalPack(dir, pack);
  options.log.info(`${metadata.model}: training pack of ${pack.count} images in ${dir}`);
  return { dir, pack: await readEvalPack(dir) };
}

/**
 * The host's retrain of the pack, cached in host.json under what it depends
 * on (artifact, pack, settings). Its head is trained by the kernel's own code
 * (same recipe, seed and batch draws as every target), on the bottlenecks
 * `bench retrain` cached for these very image files when they are all there
 * (no backbone inference: the vectors the host's own head was trained on),
 * else on bottlenecks the kernel extracts itself in this process, on the
 * fastest TF.js backend.
 */
export async function hostRetrain(options: { artifact: ArtifactInfo; metadata: ModelMetadata; packDir: string; trainPack: EvalPack; evalPackDir: string; settings: RetrainJob['settings']; out: string }): Promise<{ accuracy: number; backend: string; cached: boolean }> {
  const path = join(options.packDir, 'host.json');
  const basis = createHash('sha256')
    // version 2: the host trains on the bottleneck cache where it can.
    .update(JSON.stringify({ version: 2, artifact: options.artifact.sha256, pack: options.trainPack.files, settings: options.settings }))
    .digest('hex');
  const cached = existsSync(path) ? ((await readFile(path, 'utf8').then(JSON.parse, () => undefined)) as HostJson | undefined) : undefined;
  if (cached?.basis === basis && typeof cached.accuracy === 'number') return { accuracy: cached.accuracy, backend: cached.backend, cached: true };

  const tf = await import('@tensorflow/tfjs');
  const { useFastestBackend } = await import('../models/backend.ts');
  const backend = await useFastestBackend();
  const evalPack = await readEvalPack(options.evalPackDir);
  const fromCache = await retrainFromCache(tf, options, evalPack);
  if (fromCache !== undefined) return save(path, { basis, accuracy: fromCache, backend: `tfjs-${backend} on the bottleneck cache` });

  const { loadLayersModel } = await import('../models/model-io.ts');
  const { retrain } = await import('../targets/kernel/head-training.ts');
  const result = await retrain({
    tf,
    layers: tf,
    load: () => loadLayersModel(options.artifact.path),
    inputSize: options.metadata.inputSize,
    normalization: options.metadata.normalization,
    trainPack: options.trainPack,
    evalPack,
    settings: { ...options.settings, evaluate: true },
    host: null,
  });
  const accuracy = result.retrain?.accuracy;
  if (typeof accuracy !== 'number' || !Number.isFinite(accuracy)) throw new Error('the host retrain measured no accuracy (an empty evaluation pack?)');
  return save(path, { basis, accuracy, backend: `tfjs-${backend}` });
}

async function save(path: string, json: HostJson): Promise<{ accuracy: number; backend: string; cached: boolean }> {
  await writeFile(path, `${JSON.stringify(json)}\n`);
  return { accuracy: json.accuracy, backend: json.backend, cached: false };
}

/** The host's accuracy from the bottleneck cache, or undefined when a vector is missing there (or the model has no dataset). */
async function retrainFromCache(
  tf: typeof import('@tensorflow/tfjs'),
  options: { metadata: ModelMetadata; trainPack: EvalPack; settings: RetrainJob['settings']; out: string },
  evalPack: EvalPack,
): Promise<number | undefined> {
  const { metadata, trainPack, settings } = options;
  const root = metadata.dataset?.root;
  if (!root) return undefined;
  const evalCount = Math.min(settings.evalImages, evalPack.count);
  if (evalCount === 0) return undefined;
  const { cachedBottlenecks } = await import('../models/bottlenecks.ts');
  const train = await cachedBottlenecks(options.out, metadata.backbone, trainPack.files.map((file) => join(root, file)));
  const evaluation = train && (await cachedBottlenecks(options.out, metadata.backbone, evalPack.files.slice(0, evalCount).map((file) => join(root, file))));
  const featureSize = train?.[0]?.length;
  if (!train || !evaluation || featureSize === undefined || evaluation.some((vector) => vector.length !== featureSize)) return undefined;
  const { trainOnBottlenecks } = await import('../targets/kernel/head-training.ts');
  const flat = (vectors: Float32Array[]) => {
    const matrix = new Float32Array(vectors.length * featureSize);
    vectors.forEach((vector, row) => matrix.set(vector, row * featureSize));
    return matrix;
  };
  const result = await trainOnBottlenecks(
    { tf, layers: tf, settings: { ...settings, evaluate: true } },
    { vectors: flat(train), labels: trainPack.labels },
    { vectors: flat(evaluation), labels: evalPack.labels.slice(0, evalCount) },
    featureSize,
    trainPack.classNames.length,
  );
  return result.nonFinite ? undefined : result.accuracy;
}
