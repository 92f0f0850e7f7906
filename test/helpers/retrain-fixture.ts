/**
 * The retrained mobilenet_v2 the retrain-workload tests share (models/retrain.ts
 * on a small generated dataset, built once per tier in the build cache and
 * copied into a fresh out folder per test), and the config that benchmarks its
 * retrain workload on a small training pack.
 */
import { parseConfig, type BenchConfig, type ResolvedConfig } from '../../harness/core/config.ts';
import { deepMerge } from '../../harness/core/config.ts';
import { mobilenetFixture, type ModelFixture } from './browser-fixture.ts';
import { RETRAINED_MOBILENET } from './retrained-mobilenet.ts';
import { tempDir } from './tmp.ts';

/** A fresh out folder holding the retrained mobilenet_v2 (`fixture.out`). */
export async function retrainFixture(): Promise<ModelFixture> {
  return mobilenetFixture(await tempDir('retrain-workload'), 4);
}

/** A small retrain workload: 10 training images, 30 steps, 15 evaluation images, one round. */
export function retrainConfig(out: string, over: BenchConfig = {}): ResolvedConfig {
  const base: BenchConfig = {
    out,
    models: ['mobilenet_v2'],
    // A run over the fixture's out folder must scan the dataset it was retrained on.
    dataset: RETRAINED_MOBILENET.dataset,
    retrainWorkload: { images: 10, steps: 30, evalImages: 15 },
    run: { workloads: ['retrain'], rounds: 1 },
  };
  return parseConfig(deepMerge(base, over));
}
