/**
 * Calibration of the generated dataset's difficulty: draws the default
 * dataset, computes MobileNetV2 bottlenecks (cached under the out folder),
 * trains the softmax head with the default retrain settings, and prints the
 * test-split accuracy (goal: 90–97%, not 100%), a 4-fold cross-validation
 * accuracy over all images (steadier: the test split is under 100 images),
 * per-class accuracy and the confusion matrix.
 *
 *   node --import tsx test/benchmarks/dataset-difficulty.bench.ts [--seed 1] [--per-class N] [--out .bench] [--heads 3]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../../harness/core/config.ts';
import { createLogger } from '../../harness/core/log.ts';
import { useFastestBackend } from '../../models/backend.ts';
import { computeBottlenecks } from '../../models/bottlenecks.ts';
import { generateDefaultDataset, scanDataset, type ImageEntry } from '../../models/dataset/index.ts';
import { trainHead, type LabeledVectors } from '../../models/head.ts';
import { loadBackbone, resolveBackbone } from '../../models/zoo.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    'per-class': { type: 'string' },
    out: { type: 'string', default: '.bench' },
    model: { type: 'string', default: 'mobilenet_v2' },
    heads: { type: 'string', default: '3' },
  },
});
const config = parseConfig({});
const seed = values.seed === undefined ? config.dataset.seed : Number(values.seed);
const imagesPerClass = values['per-class'] === undefined ? config.dataset.imagesPerClass : Number(values['per-class']);
const log = createLogger();

const started = performance.now();
const root = await generateDefaultDataset({ out: values.out, seed, imagesPerClass, log });
const drawSeconds = (performance.now() - started) / 1000;
const dataset = await scanDataset({ root, ...config.dataset, log });
const backend = await useFastestBackend();
const backbone = await loadBackbone(resolveBackbone(values.model));
const { vectors } = await computeBottlenecks({ backbone, images: dataset.images, out: values.out, batchSize: config.retrain.bottleneckBatch, log });

const pick = (images: ImageEntry[]): LabeledVectors => ({ vectors: images.map((image) => vectors.get(image.path)!), labels: images.map((image) => image.classIndex) });
const bySplit = (split: ImageEntry['split']) => dataset.images.filter((image) => image.split === split && vectors.has(image.path));
const [trainSet, validation, test] = [bySplit('train'), bySplit('validation'), bySplit('test')];

function predict(head: tf.Sequential, images: ImageEntry[]): number[] {
  return tf.tidy(() => {
    const x = tf.tensor2d(pick(images).vectors.flatMap((vector) => Array.from(vector)), [images.length, backbone.featureSize]);
    return Array.from((head.predict(x) as tf.Tensor).argMax(-1).dataSync());
  });
}
const accuracy = (predicted: number[], images: ImageEntry[]) => predicted.filter((label, index) => label === images[index]!.classIndex).length / images.length;

const settings = config.retrain;
const train = async (images: ImageEntry[], seed: number) =>
  (await trainHead({ featureSize: backbone.featureSize, classes: dataset.classNames.length, train: pick(images), validation: pick(validation), settings, seed })).head;

// 1. What `bench retrain` reports: a head trained on the train split, scored on the test split (several head seeds show the training noise).
const splitResults: number[] = [];
for (let seed = 1; seed <= Number(values.heads); seed++) {
  const head = await train(trainSet, seed);
  splitResults.push(accuracy(predict(head, test), test));
  head.dispose();
}

// 2. A steadier estimate: 4-fold cross-validation over all images (75% train, about the default split's share), every image scored once.
const folds = 4;
const foldOf = (index: number) => index % folds;
const confusion = dataset.classNames.map(() => dataset.classNames.map(() => 0));
let correct = 0;
const all = dataset.images.filter((image) => vectors.has(image.path));
for (let fold = 0; fold < folds; fold++) {
  const held = all.filter((_, index) => foldOf(index) === fold);
  const head = await train(all.filter((_, index) => foldOf(index) !== fold), 1);
  predict(head, held).forEach((label, index) => {
    confusion[held[index]!.classIndex]![label]! += 1;
    if (label === held[index]!.classIndex) correct += 1;
  });
  head.dispose();
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
console.log(`dataset: seed ${seed}, ${imagesPerClass} per class, ${dataset.images.length} images (train ${trainSet.length}, validation ${validation.length}, test ${test.length}), drawn in ${drawSeconds.toFixed(1)} s`);
console.log(`backbone ${values.model} on ${backend}; head: ${settings.optimizer} lr ${settings.learningRate}, ${settings.steps} steps, batch ${settings.batchSize}`);
console.log(`test accuracy (goal 90–97%): ${splitResults.map(percent).join(', ')} for head seeds 1..${splitResults.length} (${test.length} test images)`);
console.log(`4-fold cross-validation accuracy: ${percent(correct / all.length)} (${all.length} images)`);
console.log('per class (cross-validation; row: actual, columns: predicted in class order):');
dataset.classNames.forEach((name, index) => {
  const row = confusion[index]!;
  const total = row.reduce((sum, count) => sum + count, 0);
  console.log(`  ${name.padEnd(20)} ${percent(row[index]! / total).padStart(6)}  [${row.map((count) => String(count).padStart(3)).join(' ')}]`);
});
