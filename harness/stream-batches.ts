/**
 * How `bench all` splits one model's work so that its first numbers come
 * before all of its variants are converted: the Mobile artifact and the
 * float32 .tflite (quick to convert: no calibration, no rewrite of weights;
 * and the one variant every engine measures) are measured first, the other
 * variants converted after those jobs and measured as a second batch. On the
 * default this moves MobileNetV2's first jobs ahead of ~15 s of conversion
 * (int8 calibration on 100 images, float16, int8-dynamic), the whole of it
 * on the critical path to the first number before.
 */
import type { ModelArtifacts } from './artifacts.ts';
import type { ArtifactInfo, ArtifactVariant } from './core/record.ts';

/** The Lite variants converted before a model's first jobs. */
export const FIRST_VARIANTS: readonly ArtifactVariant[] = ['float32'];

/** The config's variants in two batches, each in the config's order: converted and measured one after the other. */
export function variantBatches(variants: readonly ArtifactVariant[]): ArtifactVariant[][] {
  const first = variants.filter((variant) => FIRST_VARIANTS.includes(variant));
  const rest = variants.filter((variant) => !FIRST_VARIANTS.includes(variant));
  return [first, rest].filter((batch, index) => index === 0 || batch.length > 0);
}

/** Which artifacts a batch measures: the first takes the Mobile artifact with its variants, a later one only its own Lite variants. */
export function inBatch(artifact: Pick<ArtifactInfo, 'format' | 'variant'>, batch: readonly ArtifactVariant[], first: boolean): boolean {
  if (artifact.format === 'tfjs') return first;
  return batch.includes(artifact.variant);
}

/** The models with only the artifacts `keep` takes; a model left with none is dropped. */
export function withArtifacts(models: readonly ModelArtifacts[], keep: (artifact: ArtifactInfo) => boolean): ModelArtifacts[] {
  return models.map((model) => ({ ...model, artifacts: model.artifacts.filter(keep) })).filter((model) => model.artifacts.length > 0);
}
