/**
 * mobilenet_v2 retrained (models/retrain.ts) on a small generated dataset,
 * made once per tier in the build cache (build-cache.ts) and copied into each
 * test's out folder: the browser, WebGPU and retrain-workload tests each
 * retrained it themselves before, ~20 s apiece on this project's machines.
 * Bottlenecks run on the host's fast engine, as `bench all` computes them, and
 * stay in the copy's bottleneck cache.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { parseConfig, type BenchConfig } from '../../harness/core/config.ts';
import { metadataPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { RetrainedMetadata } from '../../harness/core/metadata.ts';
import { cached, copyCached } from './build-cache.ts';

const MODEL = 'mobilenet_v2';

/** What the cached model is retrained on; a run over a copy must scan the same dataset (retrain-fixture.ts). */
export const RETRAINED_MOBILENET = {
  models: [MODEL],
  dataset: { imagesPerClass: 20, testPercent: 20 },
  retrain: { steps: 200 },
} satisfies BenchConfig;

async function editMetadata(out: string, edit: (metadata: RetrainedMetadata) => void): Promise<void> {
  const path = metadataPath(out, MODEL);
  const metadata = JSON.parse(await readFile(path, 'utf8')) as RetrainedMetadata;
  edit(metadata);
  await writeFile(path, JSON.stringify(metadata, null, 2));
}

/** The cached folder (read only): retrained the first time it is asked for. */
function retrainedMobilenet(): Promise<string> {
  return cached('retrained-mobilenet_v2', RETRAINED_MOBILENET, async (dir) => {
    const { retrainModels } = await import('../../models/retrain.ts');
    const { tfliteHostRunner } = await import('../../targets/node/tflite-host.ts');
    const outcome = await retrainModels({ config: parseConfig({ out: dir, ...RETRAINED_MOBILENET }), log: memoryLogger('quiet'), out: dir, tflite: tfliteHostRunner });
    if (outcome.failures.length > 0) throw outcome.failures[0]!.error;
    // The dataset's root is recorded as an absolute path (the host retrain and int8 calibration read
    // images from it): kept relative here, it is made absolute again in each copy.
    await editMetadata(dir, (metadata) => {
      if (metadata.dataset?.root) metadata.dataset.root = relative(dir, metadata.dataset.root);
    });
  });
}

/** Copies the retrained mobilenet_v2 (Mobile artifact, metadata, evaluation pack, dataset, bottleneck cache) into `out`. */
export async function copyRetrainedMobilenet(out: string): Promise<void> {
  await copyCached(await retrainedMobilenet(), out);
  await editMetadata(out, (metadata) => {
    if (metadata.dataset?.root && !isAbsolute(metadata.dataset.root)) metadata.dataset.root = join(out, metadata.dataset.root);
  });
}
