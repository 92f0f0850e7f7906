/**
 * The new head and its optimizer, the one recipe for every place that trains
 * one: the host's retrain (models/head.ts) and the retrain workload on every
 * target (targets/kernel/head-training.ts, bundled into the page). TF.js is passed
 * in, so the page's own copy (tfjs-core + tfjs-layers) and Node's
 * @tensorflow/tfjs build the same head.
 */
import type * as Core from '@tensorflow/tfjs-core';
import type * as Layers from '@tensorflow/tfjs-layers';

/** tfjs-core's and tfjs-layers' namespaces (@tensorflow/tfjs in Node serves as both; its module has no default export). */
export type TfCore = Omit<typeof Core, 'default'>;
export type TfLayers = Omit<typeof Layers, 'default'>;

/** The head layer's name: the Mobile artifact keeps it, so a target can cut the artifact back to its backbone. */
export const HEAD_LAYER = 'edgebench_head';

export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'rmsprop';

/** The hyper-parameters a head is trained with (the `retrain` config keys, and the dataset seed). */
export interface HeadSettings {
  learningRate: number;
  batchSize: number;
  optimizer: OptimizerName;
  seed: number;
}

export function createOptimizer(tf: TfCore, name: OptimizerName, learningRate: number): Core.Optimizer {
  switch (name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
    case 'adam':
      return tf.train.adam(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
  }
}

/** One softmax layer on the bottleneck vector (retrain.py's final_training_ops), seeded, compiled with the settings' optimizer. */
export function createHead(tf: TfCore, layers: TfLayers, options: { featureSize: number; classes: number; settings: HeadSettings }): Layers.Sequential {
  const { featureSize, classes, settings } = options;
  const head = layers.sequential({
    name: 'edgebench_head_model',
    layers: [
      layers.layers.dense({
        name: HEAD_LAYER,
        inputShape: [featureSize],
        units: classes,
        activation: 'softmax',
        kernelInitializer: layers.initializers.glorotUniform({ seed: settings.seed }),
      }),
    ],
  });
  head.compile({ optimizer: createOptimizer(tf, settings.optimizer, settings.learningRate), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return head;
}
