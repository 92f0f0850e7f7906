/**
 * A backbone a user could name in `backbones` (a layers model on disk and its
 * feature layer), small enough that loading it, computing bottlenecks and
 * retraining take milliseconds: for tests whose subject is what retraining
 * does with its inputs, not MobileNetV2 (loading the embedded MobileNetV2 and
 * running it at 224 px is seconds of CPU).
 */
import { join } from 'node:path';
import type { BenchConfig } from '../../harness/core/config.ts';

export interface TinyBackboneOptions {
  /** Input size in pixels (default 32). */
  size?: number;
  /** The initializers' seed (default 3). */
  seed?: number;
}

/** Saves a strided conv and a conv named `features` into `dir`; the `backbones` entry that names it. */
export async function saveTinyBackbone(dir: string, options: TinyBackboneOptions = {}): Promise<NonNullable<BenchConfig['backbones']>[string]> {
  const tf = await import('@tensorflow/tfjs');
  const { saveLayersModel } = await import('../../models/model-io.ts');
  const size = options.size ?? 32;
  const seed = options.seed ?? 3;
  const input = tf.input({ shape: [size, size, 3] });
  const first = tf.layers.conv2d({ name: 'c1', filters: 8, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
  const features = tf.layers.conv2d({ name: 'features', filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }).apply(first) as import('@tensorflow/tfjs').SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: features });
  await saveLayersModel(model, dir);
  model.dispose();
  return { url: join(dir, 'model.json'), featureLayer: 'features', inputSize: size };
}
