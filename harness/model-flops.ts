/**
 * Each model's FLOPs per image, for the GFLOP/s of every measurement. Counted
 * from the Mobile artifact's graph (models/tflite/flops.ts: the same graph
 * every variant is converted from, so one count serves all of a model's
 * artifacts) and cached in the out folder by the model's sha256: InceptionV3
 * takes seconds to load, and a warm run's models have not changed. A model
 * that cannot be counted (a user's .tflite with no Mobile artifact, a layer
 * the converter does not lower) simply has no FLOPs: the run goes on.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArtifactInfo, Measurement } from './core/record.ts';
import { achievedGflops } from './core/profile.ts';
import { writeFileAtomic } from './core/safe-fs.ts';

export function flopsCachePath(out: string): string {
  return join(out, 'cache', 'flops.json');
}

async function loadCache(out: string): Promise<Map<string, number>> {
  try {
    const parsed = JSON.parse(await readFile(flopsCachePath(out), 'utf8')) as Record<string, unknown>;
    return new Map(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]) && entry[1] >= 0));
  } catch {
    return new Map();
  }
}

/** FLOPs per image of the TF.js model at `modelJsonPath`, or undefined where the converter cannot lower it. */
export async function countFlops(modelJsonPath: string): Promise<number | undefined> {
  try {
    const { loadModelToConvert } = await import('../models/tflite/load.ts');
    const { modelFlopsOf } = await import('../models/tflite/flops.ts');
    const model = await loadModelToConvert(modelJsonPath);
    try {
      return modelFlopsOf(model).flops;
    } finally {
      if ('dispose' in model && typeof model.dispose === 'function') model.dispose();
    }
  } catch {
    return undefined;
  }
}

/** Sets `flops` on every artifact of each model that has a countable Mobile artifact. */
export async function attachFlops(out: string, models: { artifacts: ArtifactInfo[] }[]): Promise<void> {
  const cache = await loadCache(out);
  const known = cache.size;
  for (const { artifacts } of models) {
    const mobile = artifacts.find((artifact) => artifact.format === 'tfjs');
    if (!mobile) continue;
    let flops = cache.get(mobile.sha256);
    if (flops === undefined) {
      flops = await countFlops(mobile.path);
      if (flops === undefined) continue;
      cache.set(mobile.sha256, flops);
    }
    for (const artifact of artifacts) artifact.flops = flops;
  }
  if (cache.size === known) return;
  const path = flopsCachePath(out);
  await mkdir(dirname(path), { recursive: true }).catch(() => {});
  try {
    writeFileAtomic(path, JSON.stringify(Object.fromEntries(cache)), { inside: out });
  } catch {
    // a cache: not writing it only costs the next run a recount
  }
}

/**
 * Sets the measurement's achieved GFLOP/s (FLOPs × batch / p50) when its
 * artifact's FLOPs are known. In place: the record store finds a measurement
 * again by identity when a later round replaces it.
 */
export function withGflops(measurement: Measurement, artifacts: readonly ArtifactInfo[]): Measurement {
  const flops = artifacts.find((artifact) => artifact.id === measurement.artifact)?.flops;
  if (flops === undefined || measurement.key.workload === 'retrain' || !(measurement.latency.p50 > 0)) return measurement;
  measurement.gflops = achievedGflops(flops * measurement.batchSize, measurement.latency.p50);
  return measurement;
}
