/**
 * The artifacts under the output folder, described for the run record:
 * each model's Mobile artifact (model.json + weight shards, when it has one:
 * a user's .tflite has none) and every Lite variant present, with download bytes, gzip bytes and a sha256 over the
 * files; plus each model's training summary from its metadata.json.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { VARIANTS, type ArtifactInfo, type ArtifactVariant, type TrainingSummary } from './core/record.ts';
import { gzipSizesPath, liteModelPath, metadataPath, mobileModelPath } from './core/layout.ts';
import type { ModelMetadata } from './core/metadata.ts';
import { writeFileAtomic } from './core/safe-fs.ts';
import { attachFlops } from './model-flops.ts';

const gzip = promisify(gzipCallback);

export interface ModelArtifacts {
  model: string;
  metadata: ModelMetadata;
  /** The Mobile artifact first (when there is one), then the Lite variants present. */
  artifacts: ArtifactInfo[];
}

export interface ArtifactListing {
  models: ModelArtifacts[];
  /** Models asked for that have no Mobile artifact or metadata yet, with why. */
  missing: { model: string; reason: string }[];
}

/**
 * gzip sizes by the sha256 of a file's bytes. Gzipping InceptionV3's files
 * takes seconds on every run, and a warm run's artifacts have not changed:
 * the sizes are kept in the out folder (a cache: unreadable means empty).
 */
export type GzipSizes = Map<string, number>;

export async function loadGzipSizes(out: string): Promise<GzipSizes> {
  try {
    return new Map(Object.entries(JSON.parse(await readFile(gzipSizesPath(out), 'utf8')) as Record<string, number>));
  } catch {
    return new Map();
  }
}

export async function saveGzipSizes(out: string, sizes: GzipSizes): Promise<void> {
  const path = gzipSizesPath(out);
  await mkdir(dirname(path), { recursive: true });
  writeFileAtomic(path, JSON.stringify(Object.fromEntries(sizes)), { inside: out });
}

/** Bytes, gzip bytes (default level, as a web server would send them) and sha256 over `files` in order. */
export async function describeFiles(files: string[], gzipSizes: GzipSizes = new Map()): Promise<{ bytes: number; gzipBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const data = await readFile(file);
    hash.update(data);
    bytes += data.byteLength;
    const digest = createHash('sha256').update(data).digest('hex');
    let size = gzipSizes.get(digest);
    if (size === undefined) {
      size = (await gzip(data)).byteLength;
      gzipSizes.set(digest, size);
    }
    gzipBytes += size;
  }
  return { bytes, gzipBytes, sha256: hash.digest('hex') };
}

/** model.json and the weight files its manifest names, in manifest order. */
export async function mobileArtifactFiles(modelJsonPath: string): Promise<string[]> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as { weightsManifest?: { paths: string[] }[] };
  const shards = (json.weightsManifest ?? []).flatMap((group) => group.paths).map((path) => join(dirname(modelJsonPath), path));
  return [modelJsonPath, ...shards];
}

export function artifactId(model: string, format: ArtifactInfo['format'], variant: ArtifactVariant): string {
  return `${model}/${format}/${variant}`;
}

async function describeModel(out: string, model: string, gzipSizes: GzipSizes): Promise<ModelArtifacts> {
  const metadata = JSON.parse(await readFile(metadataPath(out, model), 'utf8')) as ModelMetadata;
  const modelJsonPath = mobileModelPath(out, model);
  const artifacts: ArtifactInfo[] = [];
  if (existsSync(modelJsonPath)) {
    const mobile = await describeFiles(await mobileArtifactFiles(modelJsonPath), gzipSizes);
    artifacts.push({ id: artifactId(model, 'tfjs', 'float32'), model, format: 'tfjs', variant: 'float32', path: modelJsonPath, ...mobile });
  }
  for (const variant of VARIANTS) {
    const path = liteModelPath(out, model, variant);
    if (!existsSync(path)) continue;
    artifacts.push({ id: artifactId(model, 'tflite', variant), model, format: 'tflite', variant, path, ...(await describeFiles([path], gzipSizes)) });
  }
  return { model, metadata, artifacts };
}

/**
 * Describes the artifacts of `models` under `out`; models without a Mobile artifact or metadata are listed as missing.
 * `flops: false` leaves the FLOPs uncounted (./model-flops.ts caches them in the out folder: a dry run writes nothing).
 */
export async function listArtifacts(out: string, models: readonly string[], options: { flops?: boolean } = {}): Promise<ArtifactListing> {
  const listing: ArtifactListing = { models: [], missing: [] };
  const gzipSizes = await loadGzipSizes(out);
  const known = gzipSizes.size;
  for (const model of models) {
    const hasLite = VARIANTS.some((variant) => existsSync(liteModelPath(out, model, variant)));
    if (!existsSync(mobileModelPath(out, model)) && !hasLite) {
      listing.missing.push({ model, reason: `no Mobile artifact at ${mobileModelPath(out, model)}` });
      continue;
    }
    if (!existsSync(metadataPath(out, model))) {
      listing.missing.push({ model, reason: `no ${metadataPath(out, model)}` });
      continue;
    }
    try {
      listing.models.push(await describeModel(out, model, gzipSizes));
    } catch (error) {
      listing.missing.push({ model, reason: `cannot read its artifacts: ${(error as Error).message}` });
    }
  }
  if (gzipSizes.size !== known) await saveGzipSizes(out, gzipSizes).catch(() => {});
  if (options.flops !== false) await attachFlops(out, listing.models);
  return listing;
}

/** The retraining summary a report shows, from metadata.json; none for a user's own model (never retrained). */
export function trainingSummary(metadata: ModelMetadata): TrainingSummary | undefined {
  if (!metadata.dataset || !metadata.training) return undefined;
  return {
    model: metadata.model,
    backbone: metadata.backbone,
    classNames: metadata.classNames,
    splits: metadata.dataset.splits,
    testAccuracy: metadata.training.testAccuracy,
    history: metadata.training.history,
    confusionMatrix: metadata.training.confusionMatrix,
  };
}
