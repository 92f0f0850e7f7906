/**
 * `eval/reference.json`: the Mobile artifact's probabilities on an exact
 * float32 TF.js engine (the fastest on the host: `tfjs-tensorflow`, else
 * `tfjs-wasm`, else `tfjs-cpu`; they agree to ~1e-5) for the first `images`
 * pack images, keyed by the artifact's sha256 and the pack's image order.
 * Every runtime's agreement is measured against it.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import { writeFileAtomic } from '../../harness/core/safe-fs.ts';
import type { ReferenceOutputs } from '../kernel/types.ts';

/** The engines a reference may come from, fastest first, with the package each needs (float32 TF.js: they agree to ~1e-5). */
export const REFERENCE_ENGINES: ReadonlyArray<{ runtime: string; package: string }> = [
  { runtime: 'tfjs-tensorflow', package: '@tensorflow/tfjs-node' },
  { runtime: 'tfjs-wasm', package: '@tensorflow/tfjs-backend-wasm' },
  { runtime: 'tfjs-cpu', package: '@tensorflow/tfjs-backend-cpu' },
];

export interface ReferenceFile {
  schema: 1;
  /** Runtime that produced it. */
  runtime: string;
  /** ArtifactInfo.id and sha256 of the Mobile artifact it was computed from. */
  artifact: string;
  sha256: string;
  /** packDigest() of the evaluation pack the rows follow (absent in files from before it was kept: they are recomputed). */
  pack?: string;
  images: number;
  classes: number;
  /** images × classes, row-major. */
  probabilities: number[];
}

/** Identifies a pack's images and their order: a reference made on another order is another reference. */
export function packDigest(pack: Pick<EvalPack, 'files' | 'labels' | 'height' | 'width'>): string {
  return createHash('sha256').update(JSON.stringify([pack.height, pack.width, pack.files, pack.labels])).digest('hex').slice(0, 16);
}

/** The file, or undefined when absent or unreadable (it is a cache). */
export async function readReferenceFile(path: string): Promise<ReferenceFile | undefined> {
  try {
    const file = JSON.parse(await readFile(path, 'utf8')) as ReferenceFile;
    if (file.schema !== 1 || file.probabilities.length !== file.images * file.classes) return undefined;
    return file;
  } catch {
    return undefined;
  }
}

export async function writeReferenceFile(path: string, file: ReferenceFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  writeFileAtomic(path, JSON.stringify(file));
}

/** The first `images` rows as kernel input; an error when the file is missing or covers fewer images. */
export async function readReferenceOutputs(path: string, images: number): Promise<ReferenceOutputs> {
  const file = await readReferenceFile(path);
  if (!file) throw new Error(`reference outputs ${path} are missing or unreadable`);
  if (file.images < images) throw new Error(`reference outputs ${path} cover ${file.images} images, the evaluation needs ${images}`);
  return { name: file.runtime, images, classes: file.classes, probabilities: Float32Array.from(file.probabilities.slice(0, images * file.classes)) };
}
