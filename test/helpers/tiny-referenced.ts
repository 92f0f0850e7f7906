/**
 * The tiny model (../fixtures/node-tiny-model.ts) with its agreement
 * reference already in its evaluation folder (eval/reference.json), for the
 * tests that start `bench run` on it as a process of their own and whose
 * subject is not the reference (signals, kill -9, secrets): each such run
 * made it again in its own fresh process, a TF.js worker's start and the
 * pack's inferences (seconds of CPU at load) that showed nothing there.
 * The reference is the harness's own (`ensureReference`, as a run makes it),
 * built once per tier in the build cache (./build-cache.ts) with the model it
 * belongs to; a run finds it as it finds any earlier run's (same sha256,
 * same pack) and says so in its log.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { artifactId, describeFiles, mobileArtifactFiles } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { metadataPath, mobileModelPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { cached, copyCached } from './build-cache.ts';

/** The fixture's source: part of the key, as it is of the tiny model's own cache entry. */
const FIXTURE_SOURCE = readFileSync(fileURLToPath(new URL('../fixtures/node-tiny-model.ts', import.meta.url)), 'utf8');

/** makeTinyArtifact(out) (12 images, the default network) with its reference made. */
export async function makeTinyReferenced(out: string): Promise<TinyArtifact> {
  const built = await cached('tiny-referenced', { fixture: FIXTURE_SOURCE }, async (dir) => {
    const tiny = await makeTinyArtifact(dir);
    const path = mobileModelPath(dir, tiny.model);
    const artifact = { id: artifactId(tiny.model, 'tfjs', 'float32'), model: tiny.model, format: 'tfjs' as const, variant: 'float32' as const, path, ...(await describeFiles(await mobileArtifactFiles(path))) };
    const { ensureReference } = await import('../../targets/node/reference.ts');
    await ensureReference({ artifact, metadata: tiny.metadata, config: parseConfig({ out: dir }), log: memoryLogger(), out: dir });
  });
  await copyCached(built, out);
  const metadata = JSON.parse(await readFile(metadataPath(out, 'tiny'), 'utf8')) as ModelMetadata;
  return { model: 'tiny', modelJsonPath: mobileModelPath(out, 'tiny'), metadata, accuracy: metadata.training!.testAccuracy, images: 12 };
}
