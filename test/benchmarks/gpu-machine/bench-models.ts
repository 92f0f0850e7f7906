/**
 * The models and evaluation images of the Node GPU benchmark
 * (../node-webgpu.bench.ts), here and in the GPU-machine bundle.
 *
 * A model is the retrained Mobile artifact where one exists (`.bench`), else
 * the embedded backbone (nsfwjs, offline) with a softmax head of seeded,
 * untrained weights over the evaluation images' classes: the same model on
 * every runtime, so agreement between runtimes is meaningful; accuracy is
 * not (the head was never trained), and the benchmark does not print it.
 *
 * The evaluation images are the project's generated dataset pictures,
 * decoded by the project's decoder at the model's input size: drawn here
 * (sharp) or, in the bundle, read from the packs made when it was built.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readEvalPack, writeEvalPack, PACK_JSON, type EvalPack } from '../../../harness/core/eval-pack.ts';
import { evalPackDir, metadataPath, mobileModelPath } from '../../../harness/core/layout.ts';
import type { ModelMetadata } from '../../../harness/core/metadata.ts';

export interface BenchModel {
  model: string;
  /** Where it came from, in words. */
  source: string;
  modelJsonPath: string;
  metadata: ModelMetadata;
  packDir: string;
  /** The head is trained (a retrained artifact): accuracy means something. */
  trained: boolean;
}

/** Shape classes drawn for the evaluation images (the generated dataset's). */
const PACK_SEED = 20261129;

/** `count` pictures of the generated dataset, one class after another, decoded at `size` px. Needs sharp. */
export async function makeEvalPack(model: string, size: number, count: number): Promise<EvalPack> {
  const { drawImage } = await import('../../../models/dataset/generate.ts');
  const { decodeImage, SHAPE_CLASSES } = await import('../../../models/dataset/index.ts');
  const scratch = await mkdtemp(join(tmpdir(), 'edgebench-gpu-pack-'));
  try {
    const images = new Uint8Array(count * size * size * 3);
    const labels: number[] = [];
    const files: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const label = index % SHAPE_CLASSES.length;
      const { file, bytes } = await drawImage({ seed: PACK_SEED, shape: SHAPE_CLASSES[label]!, index });
      await writeFile(join(scratch, file), bytes);
      images.set(await decodeImage(join(scratch, file), size), index * size * size * 3);
      labels.push(label);
      files.push(file);
    }
    return { model, count, height: size, width: size, images, labels, files, classNames: [...SHAPE_CLASSES] };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Head weights: seeded normal values scaled so that the logits spread by about ±3 on these features (confident, no near-ties). */
async function seededHead(tf: typeof import('@tensorflow/tfjs'), model: string, features: import('@tensorflow/tfjs').Tensor2D, classes: number) {
  const { seededRandom } = await import('../../../models/random.ts');
  const random = seededRandom(`edgebench-node-gpu-head/${model}`);
  const size = features.shape[1];
  const norm = (await tf.norm(features, 'euclidean', 1).mean().data())[0]!;
  const scale = 3 / Math.max(norm, 1e-6);
  const kernel = Float32Array.from({ length: size * classes }, () => random.gaussian() * scale);
  return tf.layers.dense({ units: classes, activation: 'softmax', name: 'edgebench_seeded_head', weights: [tf.tensor2d(kernel, [size, classes]), tf.zeros([classes])] });
}

/**
 * The model for `model` under `scratch`: the retrained artifact in `benchOut`
 * when there is one with its pack, else the backbone and a seeded head over
 * the images of `packs/<model>` (or freshly drawn ones).
 */
export async function prepareBenchModel(model: string, options: { benchOut: string; scratch: string; packs?: string; images: number }): Promise<BenchModel> {
  const retrained = mobileModelPath(options.benchOut, model);
  if (existsSync(retrained) && existsSync(metadataPath(options.benchOut, model)) && existsSync(join(evalPackDir(options.benchOut, model), PACK_JSON))) {
    const metadata = JSON.parse(await readFile(metadataPath(options.benchOut, model), 'utf8')) as ModelMetadata;
    return { model, source: `retrained (${retrained})`, modelJsonPath: retrained, metadata, packDir: evalPackDir(options.benchOut, model), trained: true };
  }
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { loadBackbone, resolveBackbone } = await import('../../../models/zoo.ts');
  const { saveLayersModel } = await import('../../../models/model-io.ts');
  const spec = resolveBackbone(model);
  const pack = options.packs ? await readEvalPack(join(options.packs, model)) : await makeEvalPack(model, spec.inputSize, options.images);
  const backbone = await loadBackbone(spec);
  const first = tf.tidy(() => tf.tensor4d(pack.images.subarray(0, spec.inputSize * spec.inputSize * 3), [1, spec.inputSize, spec.inputSize, 3], 'float32').mul(spec.normalization.scale).add(spec.normalization.offset));
  const features = backbone.features.predict(first) as import('@tensorflow/tfjs').Tensor2D;
  const head = await seededHead(tf, model, features, pack.classNames.length);
  tf.dispose([first, features]);
  const full = tf.model({ inputs: backbone.features.inputs, outputs: head.apply(backbone.features.outputs[0]!) as import('@tensorflow/tfjs').SymbolicTensor, name: `${model}_seeded_head` });
  const modelJsonPath = mobileModelPath(options.scratch, model);
  await saveLayersModel(full, dirname(modelJsonPath));
  full.dispose();
  const packDir = evalPackDir(options.scratch, model);
  await writeEvalPack(packDir, pack);
  const metadata = { schema: 1, model, backbone: spec.id, inputSize: spec.inputSize, normalization: spec.normalization, classNames: pack.classNames } as unknown as ModelMetadata;
  await mkdir(dirname(metadataPath(options.scratch, model)), { recursive: true });
  await writeFile(metadataPath(options.scratch, model), JSON.stringify(metadata));
  return { model, source: `${spec.description}, seeded untrained head over ${pack.classNames.length} classes`, modelJsonPath, metadata, packDir, trained: false };
}
