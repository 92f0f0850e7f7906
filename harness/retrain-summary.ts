/**
 * The one line a retrained model gets once its Mobile artifact is written:
 * `bench retrain` prints it for every model at the end, `bench all` as each
 * model is done (./stream.ts).
 */
import type { RetrainedModel } from '../models/retrain.ts';

export function retrainedLine(model: RetrainedModel): string {
  const { training } = model.metadata;
  const tested = training.testAccuracy !== null && Number.isFinite(training.testAccuracy) ? `test ${(training.testAccuracy * 100).toFixed(1)}%` : 'not tested (no test images)';
  if (model.reused) return `${model.model}: ${tested}, unchanged since ${model.metadata.createdAt}: head kept (--force trains again) → ${model.modelJsonPath}`;
  const computed = model.bottlenecks.computed ? ` on ${model.bottlenecks.engine}` : '';
  return `${model.model}: ${tested}, bottlenecks ${model.bottlenecks.computed} computed${computed} / ${model.bottlenecks.cached} cached → ${model.modelJsonPath}`;
}
