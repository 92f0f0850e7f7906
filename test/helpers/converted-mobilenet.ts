/**
 * The retrained mobilenet_v2 of retrained-mobilenet.ts with its float32 and
 * int8 .tflite files (8 calibration images, float input and output), made
 * once per tier in the build cache and copied into a test's out folder.
 *
 * browser-mobilenet converted it in every run: seconds of both cores (the int8
 * calibration runs the network) for files that only feed LiteRT.js in the
 * page. The converter itself on this model is tflite-retrained's subject.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { metadataPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { RetrainedMetadata } from '../../harness/core/metadata.ts';
import { cached, copyCached } from './build-cache.ts';
import { copyRetrainedMobilenet, RETRAINED_MOBILENET } from './retrained-mobilenet.ts';

const MODEL = 'mobilenet_v2';
const CONVERT = { variants: ['float32', 'int8'] as const, calibrationImages: 8, io: 'float' as const };

/** Makes the recorded dataset root relative to `out` (`toRelative`) or absolute under it again. */
async function rebaseDatasetRoot(out: string, toRelative: boolean): Promise<void> {
  const path = metadataPath(out, MODEL);
  const metadata = JSON.parse(await readFile(path, 'utf8')) as RetrainedMetadata;
  const root = metadata.dataset?.root;
  if (!root) return;
  if (toRelative && isAbsolute(root)) metadata.dataset!.root = relative(out, root);
  else if (!toRelative && !isAbsolute(root)) metadata.dataset!.root = join(out, root);
  else return;
  await writeFile(path, JSON.stringify(metadata, null, 2));
}

/** Copies the retrained mobilenet_v2 and its float32 and int8 .tflite files into `out`. */
export async function copyConvertedMobilenet(out: string): Promise<void> {
  const dir = await cached('converted-mobilenet_v2', { ...RETRAINED_MOBILENET, convert: CONVERT }, async (building) => {
    const { convertArtifacts } = await import('../../models/tflite/index.ts');
    await copyRetrainedMobilenet(building);
    // int8 calibration reads the dataset's images: its root is absolute while converting, relative in the cache.
    await convertArtifacts({ out: building, models: [MODEL], variants: [...CONVERT.variants], calibrationImages: CONVERT.calibrationImages, io: CONVERT.io, log: memoryLogger('quiet') });
    await rebaseDatasetRoot(building, true);
  });
  await copyCached(dir, out);
  await rebaseDatasetRoot(out, false);
}
