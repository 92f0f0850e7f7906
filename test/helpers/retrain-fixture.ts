/**
 * The retrained mobilenet_v2 the retrain-workload tests share (models/retrain.ts
 * on a small generated dataset, cached across test files and runs in the
 * system's temp folder), and the config that benchmarks its retrain workload
 * on a small training pack.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type BenchConfig, type ResolvedConfig } from '../../harness/core/config.ts';
import { deepMerge } from '../../harness/core/config.ts';
import { mobilenetFixture, type ModelFixture } from './browser-fixture.ts';

/** The dataset mobilenetFixture retrains on: a run over its out folder must scan the same one. */
const FIXTURE_DATASET = { imagesPerClass: 20, testPercent: 20 };

export const RETRAIN_CACHE = join(tmpdir(), 'edgebench-retrain-workload-mobilenet');

export function retrainFixture(): Promise<ModelFixture> {
  return mobilenetFixture(RETRAIN_CACHE, 4);
}

/** A small retrain workload: 10 training images, 30 steps, 15 evaluation images, one round. */
export function retrainConfig(out: string, over: BenchConfig = {}): ResolvedConfig {
  const base: BenchConfig = {
    out,
    models: ['mobilenet_v2'],
    dataset: FIXTURE_DATASET,
    retrainWorkload: { images: 10, steps: 30, evalImages: 15 },
    run: { workloads: ['retrain'], rounds: 1 },
  };
  return parseConfig(deepMerge(base, over));
}
