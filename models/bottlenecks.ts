/**
 * Bottleneck vectors: the backbone's pooled features of each image, computed
 * once and cached on disk, keyed by the image's content hash and the backbone
 * id (as retrain.py cached them). A cache entry of the wrong size is treated
 * as missing and recomputed, never fatal. The engine is not part of the key:
 * every engine that passes the feature guard (./feature-engine.ts) gives the
 * same vectors to within 1e-4.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../harness/core/log.ts';
import type { Backbone } from './zoo.ts';
import { tfjsFeatureEngine, type FeatureEngine } from './feature-engine.ts';
import { decodeImage, ImageDecodeError, type ImageEntry } from './dataset/index.ts';
import { bottleneckDir } from '../harness/core/layout.ts';
import { writeFileAtomic } from '../harness/core/safe-fs.ts';

export interface BottleneckResult {
  /** Feature vector per image path; images that could not be decoded are absent. */
  vectors: Map<string, Float32Array>;
  computed: number;
  cached: number;
  /** Images skipped because they could not be decoded. */
  skipped: { path: string; reason: string }[];
  /** Seconds spent running the backbone (0 on a fully warm cache). */
  inferenceSeconds: number;
  /** Wall seconds of the whole step: hashing, cache reads, decoding and inference. */
  seconds: number;
  /** The engine that computed the vectors (after its guard), or `cache` when every vector was cached. */
  engine: string;
}

export interface BottleneckOptions {
  backbone: Backbone;
  /** Runs the backbone: TF.js by default; the harness passes the guarded fast engine (./feature-engine.ts). */
  engine?: FeatureEngine;
  images: ImageEntry[];
  out: string;
  batchSize: number;
  log: Logger;
  signal?: AbortSignal;
}

/** Hex SHA-256 of a file's bytes: the cache key of an image. */
export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

async function readCached(path: string, size: number): Promise<Float32Array | undefined> {
  try {
    const bytes = await readFile(path);
    if (bytes.byteLength !== size * 4) return undefined;
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } catch {
    return undefined;
  }
}

/**
 * The cached bottleneck vectors of these image files for a backbone, in
 * order, or undefined when any is missing (a distorted retrain caches no
 * training image; a cleared cache has none). The vectors' length is the
 * first one's; an entry of another length counts as missing.
 */
export async function cachedBottlenecks(out: string, backbone: string, paths: readonly string[]): Promise<Float32Array[] | undefined> {
  const dir = bottleneckDir(out, backbone);
  const vectors: Float32Array[] = [];
  for (const path of paths) {
    try {
      const bytes = await readFile(join(dir, `${await sha256File(path)}.f32`));
      const size = vectors[0]?.length ?? bytes.byteLength / 4;
      if (bytes.byteLength === 0 || bytes.byteLength !== size * 4) return undefined;
      vectors.push(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
    } catch {
      return undefined;
    }
  }
  return vectors;
}

interface Missing {
  image: ImageEntry;
  cachePath: string;
}

type Decoded = { entry: Missing; pixels: Uint8Array } | { entry: Missing; error: ImageDecodeError };

/** Decodes one batch, every image at once (sharp works on its own threads). */
function decodeBatch(entries: Missing[], inputSize: number): Promise<Decoded[]> {
  return Promise.all(
    entries.map(async (entry): Promise<Decoded> => {
      try {
        return { entry, pixels: await decodeImage(entry.image.path, inputSize) };
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        return { entry, error };
      }
    }),
  );
}

export async function computeBottlenecks(options: BottleneckOptions): Promise<BottleneckResult> {
  const { backbone, images, log } = options;
  const started = performance.now();
  const dir = bottleneckDir(options.out, backbone.spec.id);
  await mkdir(dir, { recursive: true });
  const result: BottleneckResult = { vectors: new Map(), computed: 0, cached: 0, skipped: [], inferenceSeconds: 0, seconds: 0, engine: 'cache' };

  const missing: Missing[] = [];
  for (const image of images) {
    const cachePath = join(dir, `${await sha256File(image.path)}.f32`);
    const vector = await readCached(cachePath, backbone.featureSize);
    if (vector) {
      result.vectors.set(image.path, vector);
      result.cached += 1;
    } else {
      missing.push({ image, cachePath });
    }
  }
  if (missing.length === 0) {
    result.seconds = (performance.now() - started) / 1000;
    return result;
  }

  const engine = options.engine ?? tfjsFeatureEngine(backbone, tf.getBackend());
  const progress = log.progress(`bottlenecks ${backbone.spec.id}`, missing.length);
  const imageBytes = backbone.spec.inputSize * backbone.spec.inputSize * 3;
  const batches: Missing[][] = [];
  for (let start = 0; start < missing.length; start += options.batchSize) batches.push(missing.slice(start, start + options.batchSize));
  // The next batch decodes while this one runs through the backbone: with a fast engine, decoding is the other half of the time.
  const prefetch = (index: number): Promise<Decoded[]> | undefined => {
    if (index >= batches.length) return undefined;
    const decoding = decodeBatch(batches[index]!, backbone.spec.inputSize);
    // Awaited in the next round; if this round throws (Ctrl-C), its failure must not go unhandled.
    decoding.catch(() => {});
    return decoding;
  };
  let next = prefetch(0);
  for (let index = 0; index < batches.length; index += 1) {
    options.signal?.throwIfAborted();
    const decoded = await next!;
    next = prefetch(index + 1);
    const batch: { entry: Missing; pixels: Uint8Array }[] = [];
    for (const item of decoded) {
      if ('pixels' in item) {
        batch.push(item);
        continue;
      }
      result.skipped.push({ path: item.entry.image.path, reason: item.error.message });
      log.warn(`skipping ${item.entry.image.relPath}: ${item.error.message}`);
      progress.tick(1);
    }
    if (batch.length === 0) continue;
    const pixels = new Uint8Array(batch.length * imageBytes);
    batch.forEach((item, position) => pixels.set(item.pixels, position * imageBytes));
    const inferenceStarted = performance.now();
    const vectors = await engine.extract(pixels, batch.length);
    result.inferenceSeconds += (performance.now() - inferenceStarted) / 1000;
    for (const [position, { entry }] of batch.entries()) {
      const vector = vectors[position]!;
      result.vectors.set(entry.image.path, vector);
      // Write then rename: an interrupted run never leaves a half-written entry.
      writeFileAtomic(entry.cachePath, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
      result.computed += 1;
    }
    progress.tick(batch.length);
  }
  result.engine = engine.name;
  result.seconds = (performance.now() - started) / 1000;
  const rate = result.inferenceSeconds > 0 ? `, ${(result.computed / result.inferenceSeconds).toFixed(1)} images/s on ${engine.name}` : '';
  progress.done(`${result.computed} computed, ${result.cached} cached${result.skipped.length ? `, ${result.skipped.length} skipped` : ''}${rate}`);
  return result;
}
