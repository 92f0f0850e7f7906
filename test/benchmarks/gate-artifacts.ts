/**
 * Artifacts for the A/A gate benchmark, made without retraining: the
 * embedded MobileNetV2 backbone with a fixed 5-class softmax head, saved the
 * way `bench retrain` saves a model (Mobile artifact, metadata.json, an
 * evaluation pack of seeded noise images) and converted to `.tflite`.
 *
 * `inputSize` makes the heavier variant of the same model: MobileNetV2 is
 * fully convolutional up to its global pool, so the same weights run at a
 * larger input, with the work growing about as the pixel count. That is the
 * "real change" whose slowdown the gate must detect: a real model on the
 * real runtimes, only heavier.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir, labelsPath, liteModelPath, metadataPath, mobileModelPath, modelDir } from '../../harness/core/layout.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { emitVariant, prepareModel, type Variant } from '../../models/tflite/index.ts';
import { loadBackbone, resolveBackbone } from '../../models/zoo.ts';
import { seededRandom } from '../../models/random.ts';

const CLASSES = ['a', 'b', 'c', 'd', 'e'];
const EVAL_IMAGES = 8;

export interface GateArtifactOptions {
  out: string;
  /** Model id under <out>/models (the measurement key's model). */
  model: string;
  inputSize: number;
  variants: Variant[];
}

function noiseImages(count: number, size: number, seed: string): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: count * size * size * 3 }, () => Math.floor(random.next() * 256));
}

/** The backbone + head at `inputSize`: the topology with a new input shape, the same weights. */
async function mobilenetAt(inputSize: number): Promise<tf.LayersModel> {
  const backbone = await loadBackbone(resolveBackbone('mobilenet_v2'));
  const head = tf.layers.dense({ units: CLASSES.length, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: 1 }), name: 'head' });
  const full = tf.model({ inputs: backbone.features.inputs, outputs: head.apply(backbone.features.outputs[0]!) as tf.SymbolicTensor });
  if (inputSize === 224) return full;
  const topology = full.toJSON(undefined, false) as unknown as { config: { layers: { class_name: string; config: { batch_input_shape?: (number | null)[] } }[] } };
  for (const layer of topology.config.layers) {
    if (layer.class_name === 'InputLayer') layer.config.batch_input_shape = [null, inputSize, inputSize, 3];
  }
  const resized = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
  resized.setWeights(full.getWeights());
  full.dispose();
  return resized;
}

/** Writes <out>/models/<model>/ (Mobile artifact, metadata, labels, eval pack, lite variants). */
export async function writeGateArtifacts(options: GateArtifactOptions): Promise<void> {
  const { out, model, inputSize } = options;
  await rm(modelDir(out, model), { recursive: true, force: true });
  await tf.setBackend('cpu');
  const layers = await mobilenetAt(inputSize);
  await saveLayersModel(layers, dirname(mobileModelPath(out, model)));
  const normalization = { scale: 1 / 255, offset: 0 };
  const images = noiseImages(EVAL_IMAGES, inputSize, `gate-eval-${inputSize}`);
  const labels = Array.from({ length: EVAL_IMAGES }, (_, index) => index % CLASSES.length);
  await writeEvalPack(evalPackDir(out, model), { model, count: EVAL_IMAGES, height: inputSize, width: inputSize, images, labels, files: labels.map((_, index) => `noise/${index}.png`), classNames: CLASSES });
  const metadata: ModelMetadata = {
    schema: 1,
    model,
    backbone: 'mobilenet_v2',
    inputSize,
    normalization,
    classNames: CLASSES,
    dataset: { root: '(generated noise)', generated: true, splits: { train: 0, validation: 0, test: EVAL_IMAGES }, classCounts: {} },
    training: {
      steps: 0,
      learningRate: 0,
      batchSize: 0,
      optimizer: 'none',
      distortions: false,
      backend: 'cpu',
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
  await writeFile(metadataPath(out, model), JSON.stringify(metadata));
  await writeFile(labelsPath(out, model), `${CLASSES.join('\n')}\n`);
  if (options.variants.length) {
    const prepared = prepareModel(layers);
    const calibration = Float32Array.from(noiseImages(16, inputSize, `gate-calibration-${inputSize}`), (pixel) => pixel * normalization.scale + normalization.offset);
    for (const variant of options.variants) {
      const bytes = await emitVariant(prepared, { variant, classNames: CLASSES, normalization, ...(variant === 'int8' ? { calibration } : {}) });
      const path = liteModelPath(out, model, variant);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    }
  }
  layers.dispose();
}
