/**
 * A user's own model, given by path: a TF.js layers or graph model.json, or a
 * .tflite file. It is imported into the out folder under its id exactly like
 * a retrained model (models/<id>/mobile/ or lite/<variant>.tflite, plus
 * metadata.json and an evaluation pack), so that run, report and compare
 * need no second code path.
 *
 * What a runtime must know to feed it comes, per field, from the model itself
 * (its input shape, the edgebench entry or TFLite Support metadata of a .tflite, a metadata.json
 * or labels.txt beside it), else from flags or the config entry, else a
 * default, and each default taken is named in `assumed` for one log line.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { containedPath } from '../harness/core/contained-path.ts';
import { UserError } from '../harness/core/errors.ts';
import { writeEvalPack, type EvalPack } from '../harness/core/eval-pack.ts';
import { evalPackDir, liteModelPath, metadataPath, modelDir, mobileModelPath } from '../harness/core/layout.ts';
import type { Logger } from '../harness/core/log.ts';
import { checkFeeding, INPUT_SIZE_RANGE, INPUT_SIZE_RULE, MAX_CLASSES, type ModelMetadata, type Normalization, type UserModelFormat } from '../harness/core/metadata.ts';
import { isSafeSegment } from '../harness/core/path-segment.ts';
import type { ArtifactVariant } from '../harness/core/record.ts';
import { removeFolderInside } from '../harness/core/safe-fs.ts';
import { MAX_TFLITE_BYTES, readBounded } from './bounded-read.ts';
import { present, readLabelsFile, readMetadataFile } from './metadata-file.ts';
import type { SupportMetadata } from './tflite-support-metadata.ts';
import { checkModelJson } from './weights-manifest.ts';

/** A path entry of `models` (config) or `--model`, with the flags that describe it. */
export interface UserModelSpec {
  path: string;
  /** Default: the file's stem (for model.json, its folder's name). */
  id?: string;
  inputSize?: number;
  normalization?: Normalization;
  /** Class names, or the path of a file with one per line. */
  labels?: string[] | string;
}

export interface ResolvedUserModel {
  id: string;
  /** Absolute path of the model.json or .tflite file. */
  path: string;
  format: UserModelFormat;
  inputSize: number;
  normalization: Normalization;
  classNames: string[];
  /** The fields that fell back to a default, in words. */
  assumed: string[];
}

/** MobileNet's convention ([-1, 1]), the most common among published image classifiers. */
export const DEFAULT_NORMALIZATION: Normalization = { scale: 1 / 127.5, offset: -1 };
export const DEFAULT_INPUT_SIZE = 224;

/** The id a path gets: the stem of a .tflite, the folder of a model.json (every TF.js model is "model.json"). */
export function userModelId(path: string): string {
  const absolute = resolve(path);
  const stem = basename(absolute, extname(absolute));
  const id = stem === 'model' && extname(absolute) === '.json' ? basename(dirname(absolute)) : stem;
  // A file name may hold characters a folder name under the out folder may not.
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return safe || 'model';
}

/** The shape facts read from the model file itself. */
interface ModelShape {
  format: UserModelFormat;
  /** Square input side when the model fixes it. */
  inputSize?: number;
  classes: number;
  /** From a .tflite's metadata: its edgebench entry, else its TFLite Support metadata. */
  normalization?: Normalization;
  classNames?: string[];
  /** The tensor types of a .tflite, to name its variant. */
  tflite?: { inputType: string; weightTypes: string[] };
}

/** The square side a model's input shape fixes, held to the input-size rule before anything of that size is allocated. */
function fixedSide(shape: readonly (number | null | undefined)[] | undefined, path: string): number | undefined {
  const side = shape?.[1];
  if (typeof side !== 'number' || !(side > 0)) return undefined;
  if (!Number.isInteger(side) || side < INPUT_SIZE_RANGE.min || side > INPUT_SIZE_RANGE.max) {
    throw new UserError(`${path}: input shape [${shape!.map((dim) => dim ?? '?').join(', ')}]: its side ${INPUT_SIZE_RULE}, got ${side}`, 'MODEL_INVALID');
  }
  return side;
}

/** TFLite Support metadata (TF Hub's, Model Maker's files), when the file carries some. */
async function supportMetadata(path: string, bytes: Uint8Array): Promise<SupportMetadata | undefined> {
  const { readSupportMetadata } = await import('./tflite-support-metadata.ts');
  try {
    return readSupportMetadata(bytes);
  } catch (error) {
    throw new UserError(`${path}: its TFLite Support metadata cannot be read: ${(error as Error).message}`, 'MODEL_METADATA_INVALID');
  }
}

async function tfliteShape(path: string): Promise<ModelShape> {
  const { inspectTflite, readMetadataJson } = await import('./tflite/reader.ts');
  const bytes = new Uint8Array(await readBounded(path, MAX_TFLITE_BYTES, 'MODEL_UNREADABLE'));
  let summary;
  try {
    summary = inspectTflite(bytes);
  } catch (error) {
    throw new UserError(`${path} is not a readable .tflite file: ${(error as Error).message}`, 'MODEL_INVALID');
  }
  const input = summary.inputs[0];
  const output = summary.outputs[0];
  if (!input || !output) throw new UserError(`${path} has no input or output tensor`, 'MODEL_INVALID');
  if (input.shape.length !== 4 || input.shape[3] !== 3) throw new UserError(`${path}: input ${input.name} has shape [${input.shape.join(', ')}], an image classifier takes [batch, height, width, 3]`, 'MODEL_INVALID');
  const own = readMetadataJson(bytes, 'edgebench') as { input?: { normalization?: Normalization }; classNames?: string[] } | undefined;
  const support = await supportMetadata(path, bytes);
  const inputSize = fixedSide(input.shape, path) ?? support?.inputSize;
  const normalization = own?.input?.normalization ?? support?.normalization;
  const classNames = own?.classNames ?? support?.classNames;
  return {
    format: 'tflite',
    ...(inputSize ? { inputSize } : {}),
    classes: output.shape.at(-1) ?? 0,
    ...(normalization ? { normalization } : {}),
    ...(classNames ? { classNames } : {}),
    tflite: { inputType: input.type, weightTypes: Object.keys(summary.weightBytes) },
  };
}

async function tfjsShape(path: string): Promise<ModelShape> {
  const tf = await import('@tensorflow/tfjs');
  const { isGraphModelJson, loadTfjsModel, readModelArtifacts } = await import('./model-io.ts');
  const artifacts = await readModelArtifacts(path);
  const format: UserModelFormat = isGraphModelJson(artifacts) ? 'graph' : 'layers';
  // A cycle or an outsized graph is our one line before TF.js builds its executor on it.
  if (format === 'graph') (await import('./tflite/graph-def.ts')).checkGraphStructure(artifacts.modelTopology, path);
  // Shapes are read from the loaded model (either format) on the cpu backend, the one always present.
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  let model;
  try {
    model = await loadTfjsModel(path);
  } catch (error) {
    throw new UserError(`${path}: TF.js cannot load this ${format} model: ${(error as Error).message.split('\n')[0]}`, 'MODEL_INVALID');
  }
  try {
    const input = model.inputs[0]?.shape;
    const output = model.outputs[0]?.shape;
    if (!input || input.length !== 4 || (input[3] !== 3 && input[3] !== -1 && input[3] !== null)) {
      throw new UserError(`${path}: input shape [${input?.join(', ') ?? '?'}], an image classifier takes [batch, height, width, 3]`, 'MODEL_INVALID');
    }
    let classes = output?.at(-1);
    if (typeof classes !== 'number' || classes <= 0) {
      // Graph models often leave the output shape out of their signature: one inference on zeros tells it.
      const side = fixedSide(input, path) ?? DEFAULT_INPUT_SIZE;
      const probe = tf.zeros([1, side, side, 3]);
      const result = model.predict(probe) as import('@tensorflow/tfjs').Tensor | import('@tensorflow/tfjs').Tensor[];
      classes = (Array.isArray(result) ? result[0] : result)?.shape.at(-1);
      tf.dispose([probe, result]);
    }
    if (typeof classes !== 'number' || classes <= 0) throw new UserError(`${path}: output shape [${output?.join(', ') ?? '?'}] does not end in a class count`, 'MODEL_INVALID');
    return { format, ...(fixedSide(input, path) ? { inputSize: fixedSide(input, path)! } : {}), classes };
  } finally {
    model.dispose();
  }
}

/** metadata.json beside the model (this project's, or any with these keys), then labels.txt; both checked (models/metadata-file.ts). */
async function besideMetadata(path: string): Promise<{ inputSize?: number; normalization?: Normalization; classNames?: string[] }> {
  const dir = dirname(path);
  const found: { inputSize?: number; normalization?: Normalization; classNames?: string[] } = {};
  const jsonPath = join(dir, 'metadata.json');
  if (await present(jsonPath)) {
    const json = await readMetadataFile(jsonPath);
    if (json.inputSize !== undefined) found.inputSize = json.inputSize;
    if (json.normalization) found.normalization = { scale: json.normalization.scale, offset: json.normalization.offset };
    const names = json.classNames ?? json.labels;
    if (names) found.classNames = names;
  }
  const labelsPath = join(dir, 'labels.txt');
  if (!found.classNames && (await present(labelsPath))) found.classNames = await readLabelsFile(labelsPath, dir);
  return found;
}

/** Reads the model and settles input size, normalisation and class names, saying which were assumed. */
export async function resolveUserModel(spec: UserModelSpec): Promise<ResolvedUserModel> {
  const path = resolve(spec.path);
  if (!existsSync(path)) throw new UserError(`model file ${path} does not exist`, 'MODEL_NOT_FOUND');
  const isTflite = extname(path).toLowerCase() === '.tflite';
  if (!isTflite && extname(path).toLowerCase() !== '.json') throw new UserError(`${path}: a model is a TF.js model.json or a .tflite file`, 'MODEL_INVALID');
  const id = spec.id ?? userModelId(path);
  if (!isSafeSegment(id)) throw new UserError(`model id ${JSON.stringify(id)} for ${path} is not a safe name (letters, digits, ".", "_" and "-")`, 'UNSAFE_NAME');
  const shape = isTflite ? await tfliteShape(path) : await tfjsShape(path);
  const beside = await besideMetadata(path);
  const assumed: string[] = [];

  const given = spec.inputSize ?? beside.inputSize;
  if (shape.inputSize !== undefined && given !== undefined && given !== shape.inputSize) {
    throw new UserError(`${path} takes ${shape.inputSize}×${shape.inputSize} inputs, but ${spec.inputSize !== undefined ? 'the input size given' : 'metadata.json'} says ${given}`, 'MODEL_METADATA_INVALID');
  }
  const inputSize = shape.inputSize ?? given ?? DEFAULT_INPUT_SIZE;
  if (shape.inputSize === undefined && given === undefined) assumed.push(`input size ${DEFAULT_INPUT_SIZE}`);

  const normalization = shape.normalization ?? beside.normalization ?? spec.normalization ?? DEFAULT_NORMALIZATION;
  if (!shape.normalization && !beside.normalization && !spec.normalization) assumed.push('normalisation to [-1, 1] (pixel / 127.5 - 1)');

  // A labels file the user names is theirs to point anywhere; it is only bounded in size.
  const labels = typeof spec.labels === 'string' ? await readLabelsFile(resolve(spec.labels)) : spec.labels;
  let classNames = shape.classNames ?? beside.classNames ?? labels;
  if (!Number.isSafeInteger(shape.classes) || shape.classes > MAX_CLASSES) throw new UserError(`${path} outputs ${shape.classes} classes, over the ${MAX_CLASSES} this harness reads`, 'MODEL_INVALID');
  if (!classNames) {
    classNames = Array.from({ length: shape.classes }, (_, index) => `class_${index}`);
    assumed.push(`class names class_0..class_${shape.classes - 1}`);
  }
  if (classNames.length !== shape.classes) throw new UserError(`${path} outputs ${shape.classes} classes, but ${classNames.length} class names were given`, 'MODEL_METADATA_INVALID');
  // Whatever gave them (flags, config, the model's own metadata), the values fed to the model are checked once here.
  checkFeeding({ inputSize, normalization, classNames }, path);
  return { id, path, format: shape.format, inputSize, normalization, classNames, assumed };
}

/** The Lite variant a user's .tflite is closest to, from its tensor types, so the report files it in the right column. */
export function tfliteVariant(inputType: string, weightTypes: readonly string[]): ArtifactVariant {
  // The reader names types in lower case (`int8`), TFLite's schema in upper case (`INT8`): either is read.
  const input = inputType.toLowerCase();
  const weights = weightTypes.map((type) => type.toLowerCase());
  if (input === 'int8' || input === 'uint8') return 'int8';
  if (weights.includes('int8')) return 'int8-dynamic';
  if (weights.includes('float16')) return 'float16';
  return 'float32';
}

export interface ImportOptions {
  out: string;
  log: Logger;
  /** Class-per-folder labelled images for accuracy; without them, unlabelled images for agreement only. */
  images?: string;
  /** Images in the agreement-only pack (no --images). */
  agreementImages?: number;
}

/**
 * Copies the model into <out>/models/<id>/ with its metadata.json and an
 * evaluation pack. A retrained model of the same id is never overwritten.
 */
export async function importUserModel(spec: UserModelSpec, options: ImportOptions): Promise<ResolvedUserModel> {
  const { out, log } = options;
  const model = await resolveUserModel(spec);
  const existing = metadataPath(out, model.id);
  if (existsSync(existing)) {
    let previous: Partial<ModelMetadata>;
    try {
      previous = JSON.parse(await readFile(existing, 'utf8')) as Partial<ModelMetadata>;
    } catch (error) {
      // Unreadable, it may be a retrained model's: never overwritten unasked.
      throw new UserError(`model id ${model.id}: ${existing} cannot be read (${(error as Error).message}); remove it or give this model another id`, 'MODEL_ID_TAKEN');
    }
    if (!previous.source) throw new UserError(`model id ${model.id} (from ${model.path}) is already a retrained model in ${out}; give this one another id (config: models: [{ path, id }])`, 'MODEL_ID_TAKEN');
  }
  // A fresh folder each time: the file may have changed, and a stale artifact of another format must not be benchmarked.
  removeFolderInside(out, modelDir(out, model.id));
  if (model.format === 'tflite') {
    const shape = await tfliteShape(model.path);
    const target = liteModelPath(out, model.id, tfliteVariant(shape.tflite!.inputType, shape.tflite!.weightTypes));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(model.path, target);
  } else {
    const target = mobileModelPath(out, model.id);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(model.path, target);
    // Checked again here (inside the model's folder, present, bounded): the file may have changed since it was loaded.
    for (const shard of (await checkModelJson(model.path)).shards) {
      const to = containedPath(dirname(target), shard.entry, `${model.path}: weight file`, modelDir(out, model.id));
      await mkdir(dirname(to), { recursive: true });
      await copyFile(shard.path, to);
    }
  }
  const metadata: ModelMetadata = {
    schema: 1,
    model: model.id,
    backbone: `${model.format} model`,
    inputSize: model.inputSize,
    normalization: model.normalization,
    classNames: model.classNames,
    source: { kind: 'user', format: model.format, path: model.path, assumed: model.assumed },
    createdAt: new Date().toISOString(),
  };
  await writeFile(metadataPath(out, model.id), `${JSON.stringify(metadata, null, 2)}\n`);
  const pack = options.images ? await labelledPack(model, options.images, log) : await agreementPack(model, options.agreementImages ?? 8);
  await writeEvalPack(evalPackDir(out, model.id), pack);
  if (model.assumed.length) log.warn(`${model.id}: assumed ${model.assumed.join(', ')} (set them in a metadata.json beside the model, or with --input-size/--normalization/--labels)`);
  log.info(`${model.id}: ${model.format} model from ${model.path}, ${model.inputSize}×${model.inputSize} input, ${model.classNames.length} classes, ${pack.count} ${options.images ? 'labelled' : 'unlabelled (agreement only)'} evaluation image${pack.count === 1 ? '' : 's'}`);
  return model;
}

/** Every image of a class-per-folder root whose folder matches one of the model's class names. */
async function labelledPack(model: ResolvedUserModel, root: string, log: Logger): Promise<EvalPack> {
  const { scanDataset, decodeImage, labelFromFolder } = await import('./dataset/index.ts');
  const dataset = await scanDataset({ root, validationPercent: 0, testPercent: 0, minImagesPerClass: 1, log });
  const byName = new Map(model.classNames.map((name, index) => [labelFromFolder(name), index]));
  const unknown = dataset.classNames.filter((name) => !byName.has(labelFromFolder(name)));
  if (unknown.length) throw new UserError(`--images ${dataset.root}: folder${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} match${unknown.length === 1 ? 'es' : ''} no class of ${model.id} (${model.classNames.join(', ')})`, 'IMAGES_CLASS_MISMATCH');
  const imageBytes = model.inputSize * model.inputSize * 3;
  const images = new Uint8Array(dataset.images.length * imageBytes);
  const labels: number[] = [];
  const files: string[] = [];
  for (const [index, entry] of dataset.images.entries()) {
    images.set(await decodeImage(entry.path, model.inputSize), index * imageBytes);
    labels.push(byName.get(labelFromFolder(entry.label))!);
    files.push(entry.relPath);
  }
  return { model: model.id, count: dataset.images.length, height: model.inputSize, width: model.inputSize, images, labels, files, classNames: model.classNames };
}

/**
 * Without labelled images, agreement between runtimes is still measured on a
 * few deterministic pictures (the generated dataset's drawing); with no labels
 * the pack's accuracy is NaN (null in the record).
 */
async function agreementPack(model: ResolvedUserModel, count: number): Promise<EvalPack> {
  const sharp = (await import('sharp')).default;
  const { drawImage } = await import('./dataset/generate.ts');
  const { SHAPE_CLASSES } = await import('./dataset/scene.ts');
  const imageBytes = model.inputSize * model.inputSize * 3;
  const images = new Uint8Array(count * imageBytes);
  const files: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const drawn = await drawImage({ seed: 1, shape: SHAPE_CLASSES[index % SHAPE_CLASSES.length]!, index });
    const pixels = await sharp(drawn.bytes).removeAlpha().resize(model.inputSize, model.inputSize, { fit: 'fill' }).raw().toBuffer();
    images.set(pixels, index * imageBytes);
    files.push(drawn.file);
  }
  return { model: model.id, count, height: model.inputSize, width: model.inputSize, images, labels: [], files, classNames: model.classNames };
}
