/**
 * Bottleneck vectors: the backbone's pooled features of each image, computed
 * once and cached on disk, keyed by the image's content hash and the backbone
 * id (as retrain.py cached them). A cache entry of the wrong size is treated
 * as missing and recomputed, never fatal.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../harness/core/log.ts';
import type { Backbone } from './zoo.ts';
import { decodeImage, ImageDecodeError, type ImageEntry } from './dataset/index.ts';
import { bottleneckDir } from '../harness/core/layout.ts';

export interface BottleneckResult {
  /** Feature vector per image path; images that could not be decoded are absent. */
  vectors: Map<string, Float32Array>;
  computed: number;
  cached: number;
  /** Images skipped because they could not be decoded. */
  skipped: { path: string; reason: string }[];
  /** Seconds spent running the backbone (0 on a fully warm cache). */
  inferenceSeconds: number;
}

export interface BottleneckOptions {
  backbone: Backbone;
  images: ImageEntry[];
  out: string;
  batchSize: number;
  log: Logger;
  signal?: AbortSignal;
}

async function sha256File(path: string): Promise<string> {
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

/** Runs the backbone on raw RGB images (n × size × size × 3 bytes) and returns n feature vectors. */
export async function extractFeatures(backbone: Backbone, pixels: Uint8Array, count: number): Promise<Float32Array[]> {
  const { inputSize, normalization } = backbone.spec;
  const features = tf.tidy(() => {
    const input = tf.tensor4d(pixels, [count, inputSize, inputSize, 3], 'int32').toFloat().mul(normalization.scale).add(normalization.offset);
    return backbone.features.predict(input) as tf.Tensor;
  });
  const flat = (await features.data()) as Float32Array;
  features.dispose();
  const size = backbone.featureSize;
  return Array.from({ length: count }, (_, index) => flat.slice(index * size, (index + 1) * size));
}

export async function computeBottlenecks(options: BottleneckOptions): Promise<BottleneckResult> {
  const { backbone, images, log } = options;
  const dir = bottleneckDir(options.out, backbone.spec.id);
  await mkdir(dir, { recursive: true });
  const result: BottleneckResult = { vectors: new Map(), computed: 0, cached: 0, skipped: [], inferenceSeconds: 0 };

  const missing: { image: ImageEntry; cachePath: string }[] = [];
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
  if (missing.length === 0) return result;

  const progress = log.progress(`bottlenecks ${backbone.spec.id}`, missing.length);
  const imageBytes = backbone.spec.inputSize * backbone.spec.inputSize * 3;
  for (let start = 0; start < missing.length; start += options.batchSize) {
    options.signal?.throwIfAborted();
    const batch: { image: ImageEntry; cachePath: string; pixels: Uint8Array }[] = [];
    for (const entry of missing.slice(start, start + options.batchSize)) {
      try {
        batch.push({ ...entry, pixels: await decodeImage(entry.image.path, backbone.spec.inputSize) });
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        result.skipped.push({ path: entry.image.path, reason: error.message });
        log.warn(`skipping ${entry.image.relPath}: ${error.message}`);
        progress.tick(1);
      }
    }
    if (batch.length === 0) continue;
    const pixels = new Uint8Array(batch.length * imageBytes);
    batch.forEach((entry, index) => pixels.set(entry.pixels, index * imageBytes));
    const started = performance.now();
    const vectors = await extractFeatures(backbone, pixels, batch.length);
    result.inferenceSeconds += (performance.now() - started) / 1000;
    for (const [index, entry] of batch.entries()) {
      const vector = vectors[index]!;
      result.vectors.set(entry.image.path, vector);
      // Write then rename: an interrupted run never leaves a half-written entry.
      const temp = `${entry.cachePath}.${process.pid}.tmp`;
      await writeFile(temp, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
      await rename(temp, entry.cachePath);
      result.computed += 1;
    }
    progress.tick(batch.length);
  }
  progress.done(`${result.computed} computed, ${result.cached} cached${result.skipped.length ? `, ${result.skipped.length} skipped` : ''}`);
  return result;
}
