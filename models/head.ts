/**
 * The new classification head: one softmax layer trained on bottleneck
 * vectors, as retrain.py's final_training_ops, validated every N steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../harness/core/config.ts';
import type { Progress } from '../harness/core/log.ts';
import type { TrainingPoint } from '../harness/core/record.ts';
import { createHead, HEAD_LAYER } from '../harness/core/head-recipe.ts';
import { seededRandom } from './random.ts';

export { HEAD_LAYER };

export interface LabeledVectors {
  vectors: Float32Array[];
  labels: number[];
}

/** A training batch: batch × featureSize values and one label each. */
export interface Batch {
  x: Float32Array;
  labels: number[];
}

export interface TrainHeadOptions {
  featureSize: number;
  classes: number;
  train: LabeledVectors;
  validation: LabeledVectors;
  settings: Pick<ResolvedConfig['retrain'], 'steps' | 'learningRate' | 'batchSize' | 'optimizer' | 'evalEvery'>;
  seed: number;
  /** Overrides how training batches are drawn (distortions compute fresh bottlenecks per step). */
  nextBatch?: (size: number, random: () => number) => Promise<Batch>;
  progress?: Progress;
  signal?: AbortSignal;
}

export interface TrainedHead {
  head: tf.Sequential;
  history: TrainingPoint[];
}

function stack(vectors: Float32Array[], featureSize: number): Float32Array {
  const out = new Float32Array(vectors.length * featureSize);
  vectors.forEach((vector, index) => out.set(vector, index * featureSize));
  return out;
}

/** Draws a random batch (with replacement, as retrain.py did) from cached vectors. */
export function sampleBatch(data: LabeledVectors, size: number, random: () => number, featureSize: number): Batch {
  const picks = Array.from({ length: size }, () => Math.floor(random() * data.vectors.length));
  return { x: stack(picks.map((index) => data.vectors[index]!), featureSize), labels: picks.map((index) => data.labels[index]!) };
}

async function evaluate(head: tf.Sequential, x: tf.Tensor, y: tf.Tensor): Promise<{ loss: number; accuracy: number }> {
  const [loss, accuracy] = head.evaluate(x, y) as tf.Scalar[];
  const values = { loss: (await loss!.data())[0]!, accuracy: (await accuracy!.data())[0]! };
  loss!.dispose();
  accuracy!.dispose();
  return values;
}

export async function trainHead(options: TrainHeadOptions): Promise<TrainedHead> {
  const { featureSize, classes, settings } = options;
  const random = seededRandom(`edgebench-head-${options.seed}`).next;
  const head = createHead(tf, tf, { featureSize, classes, settings: { ...settings, seed: options.seed } });

  const validationX = tf.tensor2d(stack(options.validation.vectors, featureSize), [options.validation.vectors.length, featureSize]);
  const validationY = tf.oneHot(tf.tensor1d(options.validation.labels, 'int32'), classes).toFloat();
  const nextBatch = options.nextBatch ?? (async (size: number) => sampleBatch(options.train, size, random, featureSize));
  const history: TrainingPoint[] = [];
  try {
    for (let step = 1; step <= settings.steps; step += 1) {
      options.signal?.throwIfAborted();
      const batch = await nextBatch(settings.batchSize, random);
      const x = tf.tensor2d(batch.x, [batch.labels.length, featureSize]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, 'int32'), classes).toFloat());
      const [trainLoss, trainAccuracy] = (await head.trainOnBatch(x, y)) as number[];
      x.dispose();
      y.dispose();
      if (step % settings.evalEvery === 0 || step === settings.steps) {
        const validation = options.validation.vectors.length > 0 ? await evaluate(head, validationX, validationY) : { loss: Number.NaN, accuracy: Number.NaN };
        history.push({ step, trainAccuracy: trainAccuracy!, trainLoss: trainLoss!, validationAccuracy: validation.accuracy, validationLoss: validation.loss });
        if (Number.isFinite(validation.accuracy)) options.progress?.tick(0, `validation ${(validation.accuracy * 100).toFixed(1)}%`);
      }
      options.progress?.tick(1);
    }
  } finally {
    validationX.dispose();
    validationY.dispose();
  }
  return { head, history };
}
