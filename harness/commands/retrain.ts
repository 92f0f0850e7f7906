import { defineCommand } from 'citty';
import type { RetrainOutcome } from '../../models/retrain.ts';
import { commonArgs, datasetArgs, overridesFrom, setup, type CommandContext, type CommandIo, type FlagOverrides, type FlagPaths } from './common.ts';
import { withInterrupt } from '../interrupt.ts';
import { retrainedLine } from '../retrain-summary.ts';

export const retrainArgs = {
  steps: { type: 'string', description: 'Training steps of the new head (default 1000)', valueHint: 'n' },
  'learning-rate': { type: 'string', description: 'Learning rate (default 0.005)', valueHint: 'x' },
  'batch-size': { type: 'string', description: 'Training batch size (default 100)', valueHint: 'n' },
  optimizer: { type: 'string', description: 'Optimizer: sgd, momentum, adam or rmsprop (default adam)', valueHint: 'name' },
  'eval-every': { type: 'string', description: 'Validate every N steps (default 50)', valueHint: 'n' },
  'validation-percent': { type: 'string', description: 'Percent of each class for validation (default 10)', valueHint: 'p' },
  'test-percent': { type: 'string', description: 'Percent of each class for the test split (default 10)', valueHint: 'p' },
  seed: { type: 'string', description: 'Seed of the generated dataset and of training (default 1)', valueHint: 'n' },
  'images-per-class': { type: 'string', description: 'Images per class of the generated dataset (default 80: 60 test images, what every evaluation runs on)', valueHint: 'n' },
  'flip-left-right': { type: 'boolean', description: 'Randomly mirror training images (bypasses the bottleneck cache)' },
  'random-crop': { type: 'string', description: 'Random crop margin in percent (bypasses the cache)', valueHint: 'p' },
  'random-scale': { type: 'string', description: 'Random scale in percent (bypasses the cache)', valueHint: 'p' },
  'random-brightness': { type: 'string', description: 'Random brightness in percent (bypasses the cache)', valueHint: 'p' },
  force: { type: 'boolean', description: 'Train again even when the backbone, images and settings are those of the last retrain (whose head is kept otherwise)' },
} as const;

/** Retrain flags → config paths; shared with `bench all`. */
export const RETRAIN_PATHS: FlagPaths = {
  seed: ['dataset.seed', 'number'],
  'images-per-class': ['dataset.imagesPerClass', 'number'],
  'validation-percent': ['dataset.validationPercent', 'number'],
  'test-percent': ['dataset.testPercent', 'number'],
  steps: ['retrain.steps', 'number'],
  'learning-rate': ['retrain.learningRate', 'number'],
  'batch-size': ['retrain.batchSize', 'number'],
  optimizer: ['retrain.optimizer', 'text'],
  'eval-every': ['retrain.evalEvery', 'number'],
  force: ['retrain.reuse', 'off-when-set'],
  'flip-left-right': ['retrain.distortions.flipLeftRight', 'boolean'],
  'random-crop': ['retrain.distortions.randomCrop', 'number'],
  'random-scale': ['retrain.distortions.randomScale', 'number'],
  'random-brightness': ['retrain.distortions.randomBrightness', 'number'],
};

/** Maps retrain flags onto config paths. */
export function retrainOverrides(args: Record<string, unknown>): FlagOverrides {
  return overridesFrom(args, RETRAIN_PATHS);
}

/** Runs retraining and prints its summary (`bench all` retrains model by model instead: harness/stream.ts). */
export async function runRetrain(context: CommandContext, signal?: AbortSignal): Promise<RetrainOutcome> {
  // Host work on the fastest engine: native TFLite with XNNPACK, behind the feature guard (TF.js otherwise).
  // Imported here, not at the top: models/retrain.ts brings TF.js and sharp (~1 s of CPU), which
  // `bench retrain --help`, a refused flag and `bench all`'s use of the flags above never need.
  const { tfliteHostRunner } = await import('../../targets/node/tflite-host.ts');
  const { retrainModels } = await import('../../models/retrain.ts');
  const outcome = await retrainModels({ config: context.config, log: context.log, out: context.out, cwd: context.cwd, tflite: tfliteHostRunner, ...(signal ? { signal } : {}) });
  for (const model of outcome.models) context.log.info(retrainedLine(model));
  return outcome;
}

export default defineCommand({
  meta: { name: 'retrain', description: 'Retrain a new softmax head on each backbone and write the Mobile-path artifacts (TF.js model, labels.txt, metadata.json, evaluation pack)' },
  args: { ...commonArgs, ...datasetArgs, ...retrainArgs },
  async run({ args, data }) {
    const context = await setup(args, retrainOverrides(args), data as CommandIo | undefined, { out: 'lock', command: 'bench retrain' });
    const outcome = await withInterrupt(context.log, (signal) => runRetrain(context, signal)).finally(() => context.lock?.release());
    context.log.result({
      models: outcome.models.map((model) => ({ model: model.model, modelJson: model.modelJsonPath, testAccuracy: model.metadata.training.testAccuracy, bottlenecks: model.bottlenecks })),
      failures: outcome.failures.map((failure) => ({ model: failure.model, error: failure.error.message })),
    });
    return outcome.models.length > 0 ? 0 : 1;
  },
});
