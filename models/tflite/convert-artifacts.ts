/**
 * `bench convert` over the out folder: every retrained Mobile artifact into
 * `lite/<variant>.tflite`, reusing a file whose source model and options are
 * unchanged. int8 calibration reads the dataset the model was retrained on.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../../harness/core/errors.ts';
import { writeFileAtomic } from '../../harness/core/safe-fs.ts';
import type { Logger } from '../../harness/core/log.ts';
import { decodeImage, scanDataset } from '../dataset/index.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { evalPackDir, liteModelPath, metadataPath, mobileModelPath } from '../../harness/core/layout.ts';
import type { ModelMetadata, Normalization } from '../../harness/core/metadata.ts';
import { convertModel, CONVERTER_VERSION, METADATA_NAME, type ConvertedVariant, type TfliteMetadata, type Variant } from './convert.ts';
import { elementCount } from './graph.ts';
import { loadModelToConvert } from './load.ts';
import { inspectTflite } from './reader.ts';
import { randomPixels, SELF_CHECK_IMAGES, type CheckRuntime, type SelfCheck } from './self-check.ts';
import type { TfliteRunner } from './runner.ts';

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
  /** The TFLite runtime every new file is self-checked on against its TF.js model (none: no self-check). */
  check?: CheckRuntime;
  /** The host's native TFLite, that int8 calibration runs on (none: TF.js). */
  calibrationRunner?: TfliteRunner;
}

export interface ConvertedArtifact {
  model: string;
  variant: Variant;
  path: string;
  bytes: number;
  /** Wall time of this variant (0 when reused). */
  seconds: number;
  reused: boolean;
  /** The self-check of a file written now. */
  check?: SelfCheck;
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
  if (variant === 'int8') return { converter: CONVERTER_VERSION, variant, io: options.io, calibrationImages: options.calibrationImages };
  // int8-dynamic's biases are corrected on the calibration images.
  if (variant === 'int8-dynamic') return { converter: CONVERTER_VERSION, variant, calibrationImages: options.calibrationImages };
  return { converter: CONVERTER_VERSION, variant };
}

/** The file's size when it was converted from `source` as asked (read once: InceptionV3's four files are ~180 MB), else undefined. */
async function upToDate(path: string, source: Record<string, unknown>): Promise<number | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    const bytes = new Uint8Array(await readFile(path));
    const metadata = inspectTflite(bytes).metadata.find((entry) => entry.name === METADATA_NAME)?.json as TfliteMetadata | undefined;
    return JSON.stringify(metadata?.source) === JSON.stringify(source) ? bytes.length : undefined;
  } catch {
    return undefined;
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
  // A user's own model (models/user-model.ts) has no dataset: its evaluation pack is all there is.
  const root = metadata.dataset?.root;
  const values = root === undefined ? new Float32Array(0) : await calibrationInputs({
    root,
    inputSize: metadata.inputSize,
    normalization: metadata.normalization,
    count: options.count,
    exclude: new Set(pack?.files ?? []),
    log,
  });
  if (values.length > 0) return values;
  if (!pack) throw new UserError(`no calibration images for ${metadata.model}: ${root === undefined ? 'it has no dataset' : `the dataset ${root} is gone`} and there is no evaluation pack; retrain first, or pass --images`, 'CONVERT_NO_CALIBRATION');
  if (root !== undefined) log.warn(`${metadata.model}: the dataset ${root} is gone; calibrating int8 on the evaluation pack (its accuracy figures may flatter int8)`);
  const { scale, offset } = metadata.normalization;
  const perImage = metadata.inputSize * metadata.inputSize * 3;
  return Float32Array.from(pack.images.subarray(0, Math.min(options.count, pack.count) * perImage), (pixel) => pixel * scale + offset);
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  writeFileAtomic(path, bytes);
}

/** Up to SELF_CHECK_IMAGES images of the evaluation pack (raw pixels), else seeded random pixels. */
async function checkImages(out: string, model: string, inputShape: number[]): Promise<{ pixels: Uint8Array; count: number }> {
  const packDir = evalPackDir(out, model);
  if (existsSync(join(packDir, 'pack.json'))) {
    const pack = await readEvalPack(packDir);
    const count = Math.min(SELF_CHECK_IMAGES, pack.count);
    const perImage = pack.images.length / pack.count;
    if (count > 0 && perImage === elementCount(inputShape.slice(1))) return { pixels: pack.images.slice(0, count * perImage), count };
  }
  return { pixels: randomPixels(SELF_CHECK_IMAGES, inputShape), count: SELF_CHECK_IMAGES };
}

/**
 * Converts every model with a Mobile artifact into the asked variants, reusing
 * up-to-date files. A model whose conversion fails (a layer the converter
 * refuses, a failed self-check) is reported on its own line and the others go
 * on; at the end that failure is thrown as one UserError. Files of a model are
 * written only once all its variants converted and passed the self-check.
 */
export async function convertArtifacts(options: ConvertArtifactsOptions): Promise<ConvertedArtifact[]> {
  const { log, out } = options;
  const results: ConvertedArtifact[] = [];
  const failures: string[] = [];
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
    const sourceOf = (variant: Variant) => ({ model, sha256, ...optionsKey(variant, options) });
    const pending: Variant[] = [];
    for (const variant of options.variants) {
      const path = liteModelPath(out, model, variant);
      const size = await upToDate(path, sourceOf(variant));
      if (size !== undefined) {
        results.push({ model, variant, path, bytes: size, seconds: 0, reused: true });
        log.debug(`${model} ${variant}: up to date (${path})`);
        progress.tick(1, `${model} ${variant} (reused)`);
      } else pending.push(variant);
    }
    if (pending.length === 0) continue;
    options.signal?.throwIfAborted();
    const { useFastestBackend } = await import('../backend.ts');
    log.debug(`converting on TF.js backend "${await useFastestBackend()}"`);
    try {
      const layersModel = await loadModelToConvert(modelJsonPath);
      let converted: ConvertedVariant[];
      try {
        const inputShape = [1, ...(layersModel.inputs[0]!.shape.slice(1) as number[])];
        converted = await convertModel({
          model: layersModel,
          name: model,
          variants: pending,
          normalization: metadata.normalization as Normalization,
          classNames: metadata.classNames,
          io: options.io,
          calibration: () => retrainedCalibration({ metadata, out, count: options.calibrationImages, log }),
          source: sourceOf,
          ...(options.calibrationRunner ? { calibrationRunner: options.calibrationRunner, onCalibrationEngine: (line: string) => log.info(`${model}: ${line}`) } : {}),
          ...(options.check ? { check: { runtime: options.check, ...(await checkImages(out, model, inputShape)) } } : {}),
          onVariant: (variant) => {
            options.signal?.throwIfAborted();
            progress.tick(1, `${model} ${variant}`);
          },
        });
      } finally {
        layersModel.dispose();
      }
      for (const { variant, bytes, seconds, check } of converted) {
        const path = liteModelPath(out, model, variant);
        await writeAtomically(path, bytes);
        results.push({ model, variant, path, bytes: bytes.length, seconds, reused: false, ...(check ? { check } : {}) });
      }
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      log.error(error.message);
      failures.push(model);
    }
  }
  const written = results.filter((result) => !result.reused).length;
  progress.done(`${written} written, ${results.length - written} up to date`);
  if (failures.length) throw new UserError(`could not convert ${failures.join(', ')} (see above); ${results.length} file${results.length === 1 ? '' : 's'} converted or up to date`, 'CONVERT_FAILED');
  return results;
}
