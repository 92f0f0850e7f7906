/**
 * `eval/reference.json`: the Mobile artifact's probabilities on TF.js `cpu`
 * for the first `images` pack images, keyed by the artifact's sha256. Every
 * runtime's agreement is measured against it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ReferenceOutputs } from '../kernel/types.ts';

export const REFERENCE_RUNTIME = 'tfjs-cpu';

export interface ReferenceFile {
  schema: 1;
  /** Runtime that produced it. */
  runtime: string;
  /** ArtifactInfo.id and sha256 of the Mobile artifact it was computed from. */
  artifact: string;
  sha256: string;
  images: number;
  classes: number;
  /** images × classes, row-major. */
  probabilities: number[];
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
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(file));
  await rename(temporary, path);
}

/** The first `images` rows as kernel input; an error when the file is missing or covers fewer images. */
export async function readReferenceOutputs(path: string, images: number): Promise<ReferenceOutputs> {
  const file = await readReferenceFile(path);
  if (!file) throw new Error(`reference outputs ${path} are missing or unreadable`);
  if (file.images < images) throw new Error(`reference outputs ${path} cover ${file.images} images, the evaluation needs ${images}`);
  return { name: file.runtime, images, classes: file.classes, probabilities: Float32Array.from(file.probabilities.slice(0, images * file.classes)) };
}
