/**
 * Whether a model's head must be trained again. The fingerprint covers
 * everything retraining reads: the backbone, every image's content, class and
 * split, the training settings and the seed. Training is seeded, so the same
 * inputs give the same head: a second `bench all` on an unchanged dataset
 * keeps the artifact the first one made instead of training it again.
 *
 * A backbone loaded by URL can change behind its URL without the fingerprint
 * seeing it, so such models always retrain.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ResolvedConfig } from '../harness/core/config.ts';
import { PACK_JSON } from '../harness/core/eval-pack.ts';
import { evalPackDir, metadataPath, mobileModelPath } from '../harness/core/layout.ts';
import type { RetrainedMetadata } from '../harness/core/metadata.ts';
import { sha256File } from './bottlenecks.ts';
import type { Dataset } from './dataset/index.ts';
import type { BackboneSpec } from './zoo.ts';

/** Bump when the artifact retraining writes changes for the same inputs (a new file, a new layer name). */
const ARTIFACT_VERSION = 1;

export interface FingerprintInputs {
  spec: BackboneSpec;
  dataset: Dataset;
  settings: ResolvedConfig['retrain'];
  /** Seeds the head's initial weights and batch order. */
  seed: number;
}

/** The fingerprint of one retrain, or undefined when its inputs cannot be fingerprinted (a backbone by URL). */
export async function retrainFingerprint(inputs: FingerprintInputs): Promise<string | undefined> {
  const { spec, dataset, seed } = inputs;
  if (spec.source.kind !== 'embedded') return undefined;
  // Whether to reuse is no input of the head.
  const { reuse: _reuse, ...settings } = inputs.settings;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ version: ARTIFACT_VERSION, spec, settings, seed, classNames: dataset.classNames }));
  const images = [...dataset.images].sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  for (const image of images) hash.update(`\n${image.relPath}\t${image.split}\t${image.classIndex}\t${await sha256File(image.path)}`);
  return hash.digest('hex');
}

/**
 * The metadata of an earlier retrain with this fingerprint whose files are all
 * still there (the Mobile artifact, the evaluation pack), else undefined.
 */
export async function reusableRetrain(out: string, model: string, fingerprint: string | undefined): Promise<RetrainedMetadata | undefined> {
  if (fingerprint === undefined) return undefined;
  const path = metadataPath(out, model);
  if (!existsSync(path) || !existsSync(mobileModelPath(out, model)) || !existsSync(`${evalPackDir(out, model)}/${PACK_JSON}`)) return undefined;
  try {
    const metadata = JSON.parse(await readFile(path, 'utf8')) as RetrainedMetadata;
    return metadata.training?.fingerprint === fingerprint ? metadata : undefined;
  } catch {
    return undefined;
  }
}
