/**
 * The evaluation pack on disk: `pack.json` (labels, files, size) and
 * `images.u8` (count × H × W × 3 RGB bytes). Written once by retraining;
 * every target evaluates accuracy on exactly these bytes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The test split at the model's input size, decoded once on the host (this file). */
export interface EvalPack {
  model: string;
  count: number;
  height: number;
  width: number;
  /** count × height × width × 3 RGB bytes, NHWC. */
  images: Uint8Array;
  /** Class index of each image. */
  labels: number[];
  /** Dataset-relative file name of each image. */
  files: string[];
  classNames: string[];
}

export const PACK_JSON = 'pack.json';
export const PACK_IMAGES = 'images.u8';

type PackJson = Omit<EvalPack, 'images'> & { schema: 1 };

export async function writeEvalPack(dir: string, pack: EvalPack): Promise<void> {
  const expected = pack.count * pack.height * pack.width * 3;
  if (pack.images.length !== expected) throw new Error(`evaluation pack has ${pack.images.length} bytes, expected ${expected}`);
  await mkdir(dir, { recursive: true });
  const { images, ...rest } = pack;
  await writeFile(join(dir, PACK_IMAGES), images);
  const json: PackJson = { schema: 1, ...rest };
  await writeFile(join(dir, PACK_JSON), JSON.stringify(json));
}

export async function readEvalPack(dir: string): Promise<EvalPack> {
  const json = JSON.parse(await readFile(join(dir, PACK_JSON), 'utf8')) as PackJson;
  const bytes = await readFile(join(dir, PACK_IMAGES));
  const { schema: _schema, ...rest } = json;
  const images = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (images.length !== json.count * json.height * json.width * 3) throw new Error(`${join(dir, PACK_IMAGES)} is truncated: ${images.length} bytes for ${json.count} images`);
  return { ...rest, images };
}

/** The first `limit` images of a pack (fixed order), for slow runtimes. */
export function limitEvalPack(pack: EvalPack, limit: number | undefined): EvalPack {
  if (limit === undefined || limit >= pack.count) return pack;
  const imageBytes = pack.height * pack.width * 3;
  return {
    ...pack,
    count: limit,
    images: pack.images.subarray(0, limit * imageBytes),
    labels: pack.labels.slice(0, limit),
    files: pack.files.slice(0, limit),
  };
}
