/**
 * Pairs of runtime and variant that the default plan measures on the
 * smallest retrained model only: a path with no fast kernel, whose one row
 * already says what every model's would. LiteRT.js wasm has no fast float16
 * path: float16 runs 4–9× slower than float32 there in every engine
 * (docs/profiling.md), so InceptionV3's float16 job took 82.6 s of a cold
 * `bench all` (1.29 s per inference) to say what MobileNetV2's row says in
 * 16 s. Likewise int8-dynamic on tflite-node: TFLite's XNNPACK takes none of
 * its hybrid convolutions, which run on TFLite's own slow kernels
 * (docs/profiling.md): 4× float32's p50 for InceptionV3, 20× for MobileNetV2,
 * 21.6 s of a cold run for InceptionV3's row. (LiteRT.js wasm's int8-dynamic
 * stays: for InceptionV3 it ran faster than float32, for MobileNetV2 slower,
 * so each model's row says something.) A run that names the variants
 * (`--variants float16`) or the runtime (`--backends litert-wasm`) measures
 * it on every model.
 */
import { VARIANTS, type ArtifactVariant } from './core/record.ts';
import type { ResolvedConfig } from './core/config.ts';

export interface SlowPath {
  runtime: string;
  variant: ArtifactVariant;
  /** Why it is left out beyond the smallest model, in words. */
  why: string;
}

export const SLOW_PATHS: readonly SlowPath[] = [
  { runtime: 'litert-wasm', variant: 'float16', why: 'LiteRT.js wasm has no fast float16 path: 4–9× slower than float32 there' },
  { runtime: 'tflite-node', variant: 'int8-dynamic', why: "XNNPACK takes none of TFLite's hybrid int8 convolutions: 4–20× slower than float32 there" },
];

/**
 * The slow paths of `runtime` this plan leaves out for `model`: none for the
 * smallest retrained model, a user's own model, or a run that names the
 * variants (fewer than every variant) or the runtime (run.backends).
 */
export function slowPathsLeftOut(runtime: string, model: string, scope: { retrained: readonly string[]; smallest: string | undefined }, config: Pick<ResolvedConfig, 'run' | 'convert'>): SlowPath[] {
  if (!scope.retrained.includes(model) || model === scope.smallest) return [];
  if (config.run.backends?.includes(runtime)) return [];
  if (config.convert.variants.length < VARIANTS.length) return [];
  return SLOW_PATHS.filter((path) => path.runtime === runtime);
}
