/**
 * The evaluation pack on disk: `pack.json` (labels, files, size) and
 * `images.u8` (count × H × W × 3 RGB bytes). Written once by retraining;
 * every target evaluates accuracy on exactly these bytes.
 *
 * Images are stored round-robin by class (one of each class in turn), so that
 * any prefix is class-balanced: a job that stops at its evaluation budget, or
 * `--eval-limit N`, still sees every class in proportion.
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

/** How the images of a pack are ordered; packs written before the order was fixed have none. */
export const PACK_ORDER = 'class-round-robin' as const;

type PackJson = Omit<EvalPack, 'images'> & { schema: 1; order?: typeof PACK_ORDER };

/**
 * Indices of `labels` in round-robin order by class: the first item of each
 * class (classes in ascending order), then the second of each, and so on;
 * within a class the original order is kept. Every prefix then holds each
 * class's count within one of every other class that still has items left.
 */
export function classRoundRobinOrder(labels: readonly number[]): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, index) => byClass.set(label, [...(byClass.get(label) ?? []), index]));
  const queues = [...byClass.entries()].sort(([a], [b]) => a - b).map(([, indices]) => indices);
  const order: number[] = [];
  for (let round = 0; order.length < labels.length; round += 1) {
    for (const queue of queues) if (round < queue.length) order.push(queue[round]!);
  }
  return order;
}

/** The same pack with its images in class round-robin order. */
export function orderRoundRobin(pack: EvalPack): EvalPack {
  const order = classRoundRobinOrder(pack.labels);
  const imageBytes = pack.height * pack.width * 3;
  const images = new Uint8Array(pack.images.length);
  order.forEach((from, to) => images.set(pack.images.subarray(from * imageBytes, (from + 1) * imageBytes), to * imageBytes));
  return { ...pack, images, labels: order.map((index) => pack.labels[index]!), files: order.map((index) => pack.files[index]!) };
}

/** Writes the pack in class round-robin order (whatever order it is given in). */
export async function writeEvalPack(dir: string, pack: EvalPack): Promise<void> {
  const expected = pack.count * pack.height * pack.width * 3;
  if (pack.images.length !== expected) throw new Error(`evaluation pack has ${pack.images.length} bytes, expected ${expected}`);
  await mkdir(dir, { recursive: true });
  const { images, ...rest } = orderRoundRobin(pack);
  await writeFile(join(dir, PACK_IMAGES), images);
  const json: PackJson = { schema: 1, order: PACK_ORDER, ...rest };
  await writeFile(join(dir, PACK_JSON), JSON.stringify(json));
}

export async function readEvalPack(dir: string): Promise<EvalPack> {
  const json = JSON.parse(await readFile(join(dir, PACK_JSON), 'utf8')) as PackJson;
  const bytes = await readFile(join(dir, PACK_IMAGES));
  const { schema: _schema, order: _order, ...rest } = json;
  const images = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (images.length !== json.count * json.height * json.width * 3) throw new Error(`${join(dir, PACK_IMAGES)} is truncated: ${images.length} bytes for ${json.count} images`);
  return { ...rest, images };
}

/** The first `limit` images of a pack (class round-robin order, so still balanced), for slow runtimes. */
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
