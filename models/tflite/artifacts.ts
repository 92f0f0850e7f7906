/**
 * `bench convert` over the out folder: every retrained Mobile artifact into
 * `lite/<variant>.tflite`, reusing a file whose source model and options are
 * unchanged. int8 calibration reads the dataset the model was retrained on.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../../harness/core/errors.ts';
import type { Logger } from '../../harness/core/log.ts';
import { decodeImage, scanDataset } from '../dataset/index.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir, liteModelPath, metadataPath, mobileModelPath } from '../../harness/core/layout.ts';
import type { ModelMetadata, Normalization } from '../../harness/core/metadata.ts';
import { loadLayersModel } from '../model-io.ts';
import { CONVERTER_VERSION, emitVariant, METADATA_NAME, prepareModel, type PreparedModel, type TfliteMetadata, type Variant } from './convert.ts';
import { inspectTflite } from './reader.ts';

export interface ConvertArtifactsOptions {
  /** Absolute output folder. */
  out: string;
  /** Model ids (folders under <out>/models). */
  models: string[];
  variants: Variant[];
  /** Images used to calibrate int8 activation ranges. */
  calibrationImages: number;
  io: 'float' | 'uint8';
  log: Logger;
  signal?: AbortSignal;
}

export interface ConvertedArtifact {
  model: string;
  variant: Variant;
  path: string;
  bytes: number;
  /** Wall time of this variant (0 when reused). */
  seconds: number;
  reused: boolean;
}

/** sha256 of model.json and every weight file it names: the identity of a Mobile artifact. */
export async function sourceDigest(modelJsonPath: string): Promise<string> {
  const hash = createHash('sha256');
  const json = await readFile(modelJsonPath);
  hash.update(json);
  const manifest = (JSON.parse(json.toString('utf8')) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  for (const group of manifest) for (const path of group.paths) hash.update(await readFile(join(dirname(modelJsonPath), path)));
  return hash.digest('hex');
}

/** What a file's reuse depends on, besides the source model. */
function optionsKey(variant: Variant, options: Pick<ConvertArtifactsOptions, 'io' | 'calibrationImages'>): Record<string, unknown> {
  return variant === 'int8' ? { converter: CONVERTER_VERSION, variant, io: options.io, calibrationImages: options.calibrationImages } : { converter: CONVERTER_VERSION, variant };
}

async function upToDate(path: string, source: Record<string, unknown>): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const metadata = inspectTflite(new Uint8Array(await readFile(path))).metadata.find((entry) => entry.name === METADATA_NAME)?.json as TfliteMetadata | undefined;
    return JSON.stringify(metadata?.source) === JSON.stringify(source);
  } catch {
    return false;
  }
}

/**
 * Calibration inputs: up to `count` images of a class-per-folder dataset,
 * leaving out `exclude` (the evaluation pack's test images), taken
 * round-robin over the classes in the dataset's fixed order (so that every
 * class is seen), normalised as the model expects. Empty when the folder is gone.
 */
export async function calibrationInputs(options: {
  root: string;
  inputSize: number;
  normalization: Normalization;
  count: number;
  /** Dataset-relative paths (`<class>/<file>`) to leave out. */
  exclude?: ReadonlySet<string>;
  log: Logger;
}): Promise<Float32Array> {
  const { log } = options;
  const perImage = options.inputSize * options.inputSize * 3;
  if (!existsSync(options.root)) return new Float32Array(0);
  const quiet: Logger = { ...log, warn: (message) => log.debug(message) };
  const dataset = await scanDataset({ root: options.root, validationPercent: 10, testPercent: 10, minImagesPerClass: 1, log: quiet });
  const byClass = dataset.classNames.map((_, classIndex) => dataset.images.filter((image) => image.classIndex === classIndex && !options.exclude?.has(image.relPath)));
  const paths: string[] = [];
  for (let round = 0; paths.length < options.count && byClass.some((list) => list.length > round); round++) {
    for (const list of byClass) if (list[round] && paths.length < options.count) paths.push(list[round]!.path);
  }
  const { scale, offset } = options.normalization;
  const values = new Float32Array(paths.length * perImage);
  for (const [index, path] of paths.entries()) {
    const pixels = await decodeImage(path, options.inputSize);
    for (let i = 0; i < perImage; i++) values[index * perImage + i] = pixels[i]! * scale + offset;
  }
  return values;
}

/** Calibration for a retrained model: its dataset minus the test images, else (with a warning) the evaluation pack. */
async function retrainedCalibration(options: { metadata: ModelMetadata; out: string; count: number; log: Logger }): Promise<Float32Array> {
  const { metadata, log } = options;
  const packDir = evalPackDir(options.out, metadata.model);
  const pack = existsSync(join(packDir, 'pack.json')) ? await readEvalPack(packDir) : undefined;
  const values = await calibrationInputs({
    root: metadata.dataset.root,
    inputSize: metadata.inputSize,
    normalization: metadata.normalization,
    count: options.count,
    exclude: new Set(pack?.files ?? []),
    log,
  });
  if (values.length > 0) return values;
  if (!pack) throw new UserError(`no calibration images for ${metadata.model}: the dataset ${metadata.dataset.root} is gone and there is no evaluation pack; retrain first`, 'CONVERT_NO_CALIBRATION');
  log.warn(`${metadata.model}: the dataset ${metadata.dataset.root} is gone; calibrating int8 on the evaluation pack (its accuracy figures may flatter int8)`);
  const { scale, offset } = metadata.normalization;
  const perImage = metadata.inputSize * metadata.inputSize * 3;
  return Float32Array.from(pack.images.subarray(0, Math.min(options.count, pack.count) * perImage), (pixel) => pixel * scale + offset);
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.tmp`;
  await writeFile(partial, bytes);
  await rename(partial, path);
}

export async function convertArtifacts(options: ConvertArtifactsOptions): Promise<ConvertedArtifact[]> {
  const { log, out } = options;
  const results: ConvertedArtifact[] = [];
  const present = options.models.filter((model) => {
    const path = mobileModelPath(out, model);
    if (existsSync(path)) return true;
    log.warn(`skipping ${model}: no Mobile artifact at ${path} (run \`bench retrain\` first)`);
    return false;
  });
  const progress = log.progress('convert', present.length * options.variants.length);
  for (const model of present) {
    const modelJsonPath = mobileModelPath(out, model);
    const metadata = existsSync(metadataPath(out, model)) ? (JSON.parse(await readFile(metadataPath(out, model), 'utf8')) as ModelMetadata) : undefined;
    if (!metadata) throw new UserError(`${metadataPath(out, model)} is missing; retrain ${model} again to rewrite it`, 'CONVERT_NO_METADATA');
    const sha256 = await sourceDigest(modelJsonPath);
    let prepared: PreparedModel | undefined;
    let calibration: Float32Array | undefined;
    for (const variant of options.variants) {
      options.signal?.throwIfAborted();
      const path = liteModelPath(out, model, variant);
      const source = { model, sha256, ...optionsKey(variant, options) };
      if (await upToDate(path, source)) {
        const bytes = (await readFile(path)).length;
        results.push({ model, variant, path, bytes, seconds: 0, reused: true });
        log.debug(`${model} ${variant}: up to date (${path})`);
        progress.tick(1, `${model} ${variant} (reused)`);
        continue;
      }
      const started = performance.now();
      if (!prepared) {
        const { useFastestBackend } = await import('../backend.ts');
        log.debug(`converting on TF.js backend "${await useFastestBackend()}"`);
        const layersModel = await loadLayersModel(modelJsonPath);
        try {
          prepared = prepareModel(layersModel);
        } finally {
          layersModel.dispose();
        }
      }
      if (variant === 'int8' && !calibration) calibration = await retrainedCalibration({ metadata, out, count: options.calibrationImages, log });
      const bytes = await emitVariant(prepared, {
        variant,
        classNames: metadata.classNames,
        normalization: metadata.normalization as Normalization,
        io: options.io,
        source,
        ...(variant === 'int8' ? { calibration: calibration! } : {}),
      });
      await writeAtomically(path, bytes);
      const seconds = (performance.now() - started) / 1000;
      results.push({ model, variant, path, bytes: bytes.length, seconds, reused: false });
      progress.tick(1, `${model} ${variant}`);
    }
  }
  const written = results.filter((result) => !result.reused).length;
  progress.done(`${written} written, ${results.length - written} up to date`);
  return results;
}
