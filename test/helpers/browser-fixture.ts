/**
 * Artifacts for the browser tests: a tiny TF.js layers model (fast on every
 * backend) or the retrained mobilenet_v2, with metadata, an evaluation pack,
 * Node-computed reference outputs and the Jobs that run them.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseConfig, type BenchConfig, type ResolvedConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ArtifactFormat, ArtifactInfo, ArtifactVariant, DeviceInfo } from '../../harness/core/record.ts';
import { readEvalPack, writeEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir, metadataPath, mobileModelPath } from '../../harness/core/layout.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { useFastestBackend } from '../../models/backend.ts';
import { loadLayersModel, saveLayersModel } from '../../models/model-io.ts';
import type { ReferenceJson } from '../../targets/page/app/inputs.ts';
import type { KernelOptions } from '../../targets/kernel/types.ts';
import type { JobSpec, TargetContext } from '../../targets/types.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { cached } from './build-cache.ts';
import { copyRetrainedMobilenet } from './retrained-mobilenet.ts';

export const FAST_KERNEL: KernelOptions = { warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 5000, batchSize: 1 };

export interface ModelFixture {
  out: string;
  model: string;
  modelJsonPath: string;
  metadata: ModelMetadata;
  packDir: string;
  referencePath: string;
  /** Node's top-1 class of each reference image. */
  nodeTop1: number[];
  nodeAccuracy: number;
}

function metadataFor(model: string, inputSize: number, classNames: string[], normalization = { scale: 1 / 255, offset: 0 }): ModelMetadata {
  return {
    schema: 1,
    model,
    backbone: model,
    inputSize,
    normalization,
    classNames,
    dataset: { root: 'fixture', generated: true, splits: { train: 0, validation: 0, test: 0 }, classCounts: {} },
    training: {
      steps: 0,
      learningRate: 0,
      batchSize: 0,
      optimizer: 'none',
      distortions: false,
      backend: 'none',
      history: [],
      testAccuracy: 0,
      perClassAccuracy: {},
      confusionMatrix: [],
      misclassified: [],
      bottleneckSeconds: 0,
      trainSeconds: 0,
    },
    createdAt: new Date(0).toISOString(),
  };
}

/** Reference outputs of the Mobile artifact computed in Node (TF.js on the host's backend), written as `<referenceDir>/reference.json` (the evaluation pack's folder unless named). */
async function writeNodeReference(fixture: Omit<ModelFixture, 'nodeTop1' | 'nodeAccuracy' | 'referencePath'>, images: number, referenceDir = fixture.packDir): Promise<Pick<ModelFixture, 'referencePath' | 'nodeTop1' | 'nodeAccuracy'>> {
  const model = await loadLayersModel(fixture.modelJsonPath);
  const pack = await readEvalPack(fixture.packDir);
  const size = fixture.metadata.inputSize;
  const { scale, offset } = fixture.metadata.normalization;
  const probabilities = tf.tidy(() => model.predict(tf.tensor4d(pack.images.subarray(0, images * size * size * 3), [images, size, size, 3], 'int32').toFloat().mul(scale).add(offset)) as tf.Tensor);
  const values = Array.from(await probabilities.data());
  const classes = fixture.metadata.classNames.length;
  probabilities.dispose();
  model.dispose();
  const nodeTop1 = Array.from({ length: images }, (_, row) => {
    const slice = values.slice(row * classes, (row + 1) * classes);
    return slice.indexOf(Math.max(...slice));
  });
  const nodeAccuracy = nodeTop1.filter((label, index) => label === pack.labels[index]).length / images;
  const reference: ReferenceJson = { name: `node-${tf.getBackend()}`, images, classes, probabilities: values };
  const referencePath = join(referenceDir, 'reference.json');
  await writeFile(referencePath, JSON.stringify(reference));
  return { referencePath, nodeTop1, nodeAccuracy };
}

/** A 3-class model on 16×16 inputs: a conv, pooling and a dense softmax head. Random weights, fixed seed. */
export async function tinyModelFixture(out: string, images = 12): Promise<ModelFixture> {
  const model = 'tiny';
  const size = 16;
  const classNames = ['a', 'b', 'c'];
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [size, size, 3], filters: 4, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: classNames.length, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const modelJsonPath = await saveLayersModel(net, dirname(mobileModelPath(out, model)));
  net.dispose();
  const metadata = metadataFor(model, size, classNames);
  await mkdir(dirname(metadataPath(out, model)), { recursive: true });
  await writeFile(metadataPath(out, model), JSON.stringify(metadata));
  const pixels = new Uint8Array(images * size * size * 3);
  let state = 7;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  const packDir = evalPackDir(out, model);
  await writeEvalPack(packDir, {
    model,
    count: images,
    height: size,
    width: size,
    images: pixels,
    labels: Array.from({ length: images }, (_, i) => i % classNames.length),
    files: Array.from({ length: images }, (_, i) => `img${i}.png`),
    classNames,
  });
  const base = { out, model, modelJsonPath, metadata, packDir };
  return { ...base, ...(await writeNodeReference(base, images)) };
}

/**
 * The colour classifier of test/fixtures/node-tiny-model.ts (32×32, confident
 * outputs: no near-ties for two runtimes to break differently) as a browser
 * fixture: where a test needs what the page does with a model's numbers (a
 * backend's precision, quantised inputs and outputs) rather than a real backbone.
 */
export async function colourModelFixture(out: string, images = 12): Promise<ModelFixture> {
  const tiny = await makeTinyArtifact(out, { images });
  const base = { out, model: tiny.model, modelJsonPath: tiny.modelJsonPath, metadata: tiny.metadata, packDir: evalPackDir(out, tiny.model) };
  return { ...base, ...(await writeNodeReference(base, images)) };
}

/** sha256 of every file under `dir`, by relative path: what a cached result computed from that folder is keyed by. */
async function folderDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)).sort();
  for (const file of files) hash.update(`${file.slice(dir.length)}\0`).update(await readFile(file));
  return hash.digest('hex');
}

/**
 * The retrained mobilenet_v2 (models/retrain.ts) on a small generated
 * dataset, copied into `out` from the tier's build cache
 * (retrained-mobilenet.ts), with Node reference outputs for `images` images.
 * The reference is Node's (TF.js on the fastest exact backend) for this very
 * model and pack, computed once per tier in the build cache, keyed by the
 * content of both (loading MobileNetV2 and running it was seconds of every
 * file that asks, in each run).
 */
export async function mobilenetFixture(out: string, images: number): Promise<ModelFixture> {
  const model = 'mobilenet_v2';
  const modelJsonPath = mobileModelPath(out, model);
  if (!(await stat(metadataPath(out, model)).then(() => true, () => false))) await copyRetrainedMobilenet(out);
  // Node's reference on the fastest exact backend, as when this process retrained the model itself (TF.js cpu takes seconds an image).
  await useFastestBackend();
  const metadata = JSON.parse(await readFile(metadataPath(out, model), 'utf8')) as ModelMetadata;
  const packDir = evalPackDir(out, model);
  const pack = await readEvalPack(packDir);
  const count = Math.min(images, pack.count);
  const base = { out, model, modelJsonPath, metadata, packDir };
  const inputs = { model: await folderDigest(dirname(modelJsonPath)), pack: await folderDigest(packDir), inputSize: metadata.inputSize, normalization: metadata.normalization, classNames: metadata.classNames, images: count };
  const dir = await cached('mobilenet-node-reference', inputs, async (building) => {
    const { nodeTop1, nodeAccuracy } = await writeNodeReference(base, count, building);
    await writeFile(join(building, 'top1.json'), JSON.stringify({ nodeTop1, nodeAccuracy }));
  });
  const referencePath = join(packDir, 'reference.json');
  await copyFile(join(dir, 'reference.json'), referencePath);
  const { nodeTop1, nodeAccuracy } = JSON.parse(await readFile(join(dir, 'top1.json'), 'utf8')) as Pick<ModelFixture, 'nodeTop1' | 'nodeAccuracy'>;
  return { ...base, referencePath, nodeTop1, nodeAccuracy };
}

/**
 * Reference outputs of a .tflite artifact on Node's native TFLite
 * (targets/node tflite-node), image by image, written beside it as
 * `<file>.reference.json`. Undefined when tflite-node is unavailable here.
 */
export async function tfliteNodeReference(fixture: ModelFixture, tflitePath: string, images: number): Promise<{ path: string; top1: number[]; accuracy: number } | { unavailable: string }> {
  const { tfliteNodeRuntime } = await import('../../targets/node/tflite.ts');
  const probe = await tfliteNodeRuntime.probe();
  if (!probe.available) return { unavailable: probe.reason ?? 'tflite-node unavailable' };
  const session = await tfliteNodeRuntime.open({ artifactPath: tflitePath, metadata: fixture.metadata, threads: 1, batchSize: 1 });
  const pack = await readEvalPack(fixture.packDir);
  const imageBytes = pack.height * pack.width * 3;
  const classes = fixture.metadata.classNames.length;
  const probabilities: number[] = [];
  const top1: number[] = [];
  try {
    for (let index = 0; index < images; index++) {
      const row = Array.from(await session.run(pack.images.subarray(index * imageBytes, (index + 1) * imageBytes), 1));
      probabilities.push(...row);
      top1.push(row.indexOf(Math.max(...row)));
    }
  } finally {
    await session.dispose();
  }
  const reference: ReferenceJson = { name: 'tflite-node', images, classes, probabilities };
  const path = `${tflitePath}.reference.json`;
  await writeFile(path, JSON.stringify(reference));
  return { path, top1, accuracy: top1.filter((label, index) => label === pack.labels[index]).length / images };
}

async function fileInfo(path: string): Promise<{ bytes: number; sha256: string }> {
  const bytes = await readFile(path);
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export async function artifactFor(fixture: ModelFixture, format: ArtifactFormat, variant: ArtifactVariant, path: string): Promise<ArtifactInfo> {
  const info = await fileInfo(path);
  return { id: `${fixture.model}/${format}/${variant}`, model: fixture.model, format, variant, path, bytes: info.bytes, gzipBytes: info.bytes, sha256: info.sha256 };
}

export function jobFor(fixture: ModelFixture, artifact: ArtifactInfo, device: DeviceInfo, runtime: string, options: { kernel?: Partial<KernelOptions>; runtimeOptions?: JobSpec['runtimeOptions']; reference?: boolean } = {}): JobSpec {
  return {
    artifact,
    metadata: fixture.metadata,
    evalPackDir: fixture.packDir,
    ...(options.reference === false ? {} : { referencePath: fixture.referencePath }),
    device,
    runtime,
    kernel: { ...FAST_KERNEL, ...options.kernel },
    runtimeOptions: options.runtimeOptions ?? {},
  };
}

export function targetContext(out: string, config: BenchConfig = {}): TargetContext & { config: ResolvedConfig; log: ReturnType<typeof memoryLogger> } {
  // Chromium unless a test names its browsers: where Firefox and WebKit are installed, a default
  // discovery starts them too, which only the engine tests need.
  const browser = { browsers: ['chromium'], ...config.browser };
  return { config: parseConfig({ out, ...config, browser }), log: memoryLogger(), out, signal: new AbortController().signal };
}
