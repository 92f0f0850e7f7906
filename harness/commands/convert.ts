import { existsSync, statSync, type Stats } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { VARIANTS } from '../core/record.ts';
import { UserError } from '../core/errors.ts';
import { modelIds } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import { describeNormalization, type Normalization } from '../core/metadata.ts';
import { commonArgs, overridesFrom, parseNormalization, setup, type CommandContext, type CommandIo, type FlagOverrides, type FlagPaths } from './common.ts';
import { DEFAULT_NORMALIZATION } from '../../models/user-model.ts';
import { withInterrupt } from '../interrupt.ts';
import type { CheckRuntime, SelfCheck } from '../../models/tflite/self-check.ts';
import { formatBytes } from '../core/format.ts';

/** Flags that shape the variants; shared with `bench all`. */
export const variantArgs = {
  variants: { type: 'string', description: `Variants, comma-separated (default ${VARIANTS.join(',')})`, valueHint: 'list' },
  'calibration-images': { type: 'string', description: 'Training images that calibrate int8 activation ranges and bias correction (default 100)', valueHint: 'n' },
  io: { type: 'string', description: 'Input/output type of int8 models: float or uint8 (default float)', valueHint: 'float|uint8' },
} as const;

/** Variant flags → config paths. */
export const CONVERT_PATHS: FlagPaths = { variants: ['convert.variants', 'list'], 'calibration-images': ['convert.calibrationImages', 'number'], io: ['convert.io', 'text'] };

/** Maps the variant flags onto config paths. */
export function convertOverrides(args: Record<string, unknown>): FlagOverrides {
  return overridesFrom(args, CONVERT_PATHS);
}

export const convertArgs = {
  model: { type: 'string', description: 'A TF.js model.json (layers or graph model) to convert, or retrained model ids, comma-separated (default: config models)', valueHint: 'model.json|ids' },
  ...variantArgs,
  output: { type: 'string', description: 'With a model.json: output folder, or the .tflite path for one variant (default: beside the model)', valueHint: 'path' },
  images: { type: 'string', description: 'With a model.json: class-per-folder images to calibrate int8 on (default: the dataset in its metadata.json)', valueHint: 'dir' },
  normalization: { type: 'string', description: 'With a model.json and no metadata.json: input range pixels 0..255 map to, as min,max (e.g. -1,1 or 0,1) or unit/signed (default -1,1, as bench run)', valueHint: 'min,max' },
} as const;

/**
 * `--model` is a model.json (path or URL) or retrained model ids. Anything
 * else that names a path (a folder, a .pb, a .tflite, a missing file) is a
 * clear error here, instead of being taken for a model id and failing later
 * with a path the user never typed.
 */
export function modelArgument(value: unknown, cwd: string): { file?: string } {
  if (typeof value !== 'string' || value === '') return {};
  if (/\.json$/i.test(value) || /^https?:\/\//i.test(value)) return { file: value };
  const path = resolve(cwd, value);
  const looksLikePath = /[\\/]/.test(value) || value.startsWith('.');
  let info: Stats | undefined;
  try {
    info = statSync(path);
  } catch {
    if (looksLikePath) throw new UserError(`--model ${value}: no such file (${path}); give a TF.js model.json (layers or graph), or retrained model ids`, 'MODEL_NOT_FOUND');
    return {};
  }
  if (info.isDirectory()) {
    const inside = join(path, 'model.json');
    const hint = existsSync(inside) ? `: pass the model.json inside it (--model ${join(value, 'model.json')})` : ', with no model.json in it: give a TF.js model.json (layers or graph)';
    throw new UserError(`--model ${value} is a folder${hint}`, 'CONVERT_MODEL_ARG');
  }
  throw new UserError(`--model ${value} is not a TF.js model.json (bench convert reads a layers or graph model.json, or a layers model URL, or takes retrained model ids; \`bench inspect\` reads a .tflite)`, 'CONVERT_MODEL_ARG');
}


/** What convert reads from a metadata.json: how to feed the model, its class names, and where its training images are. */
interface ConvertMetadata {
  normalization?: Normalization;
  classNames?: string[];
  dataset?: { root: string };
}

/**
 * metadata.json beside model.json or one folder up (the out folder's layout:
 * models/<id>/mobile/model.json), checked field by field like `bench run`
 * checks it (models/metadata-file.ts): a bad value is one line naming it.
 */
async function findMetadata(modelJsonPath: string): Promise<ConvertMetadata | undefined> {
  const { present, readMetadataFile } = await import('../../models/metadata-file.ts');
  for (const candidate of [join(dirname(modelJsonPath), 'metadata.json'), join(dirname(dirname(modelJsonPath)), 'metadata.json')]) {
    if (!(await present(candidate))) continue;
    const file = await readMetadataFile(candidate);
    const classNames = file.classNames ?? file.labels;
    return { ...(file.normalization ? { normalization: file.normalization } : {}), ...(classNames ? { classNames } : {}), ...(file.dataset ? { dataset: file.dataset } : {}) };
  }
  return undefined;
}

interface FileResult {
  model?: string;
  variant: string;
  path: string;
  bytes: number;
  seconds: number;
  reused?: boolean;
  check?: SelfCheck;
}

/**
 * The self-check runtime: tfjs-tflite-node on one thread (XNNPACK when its plugin
 * builds), the runtime the Lite path is benchmarked on in Node.
 */
export function tfliteNodeCheck(): CheckRuntime {
  return {
    name: 'tflite-node',
    async open(bytes, normalization) {
      const { openTfliteSession } = await import('../../targets/node/tflite.ts');
      return openTfliteSession({ bytes, normalization, threads: 1, batchSize: 1 });
    },
  };
}

/** Raw pixels of the first normalised calibration images (value = pixel × scale + offset). */
function pixelsOf(values: Float32Array, normalization: Normalization): Uint8Array {
  return Uint8Array.from(values, (value) => Math.round((value - normalization.offset) / normalization.scale));
}

/** `bench convert --model path/to/model.json`: any layers or graph model the converter supports. */
async function convertModelFile(context: CommandContext, args: Record<string, unknown>, modelPath: string, signal: AbortSignal): Promise<FileResult[]> {
  const { config, log, cwd } = context;
  const { useFastestBackend } = await import('../../models/backend.ts');
  const { convertModel, calibrationInputs, loadModelToConvert, randomPixels, SELF_CHECK_IMAGES } = await import('../../models/tflite/index.ts');
  const isUrl = /^https?:\/\//i.test(modelPath);
  const source = isUrl ? modelPath : resolve(cwd, modelPath);
  if (!isUrl && !existsSync(source)) throw new UserError(`model not found: ${source}`, 'MODEL_NOT_FOUND');
  const metadata = isUrl ? undefined : await findMetadata(source);
  // The same rule and default as `bench run` (models/user-model.ts), so that a model and its .tflite are fed alike.
  const normalization = typeof args.normalization === 'string' ? parseNormalization(args.normalization) : (metadata?.normalization ?? DEFAULT_NORMALIZATION);

  const variants = config.convert.variants;
  const output = typeof args.output === 'string' ? resolve(cwd, args.output) : undefined;
  if (output?.endsWith('.tflite') && variants.length > 1) throw new UserError(`--output ${output} names one file, but ${variants.length} variants were asked for; give a folder or one --variants`, 'CONVERT_OUTPUT');
  const folder = output && !output.endsWith('.tflite') ? output : isUrl ? cwd : dirname(source);
  const stem = basename(isUrl ? new URL(modelPath).pathname : source).replace(/\.json$/i, '');
  const root = typeof args.images === 'string' ? resolve(cwd, args.images) : metadata?.dataset?.root;
  if (variants.includes('int8') && !root) throw new UserError('the int8 variant needs calibration images: pass --images <class-per-folder dir> (or leave int8 out of --variants)', 'CONVERT_NO_CALIBRATION');

  await useFastestBackend();
  const model = await loadModelToConvert(source);
  // Said once the model is known to load: a model refused on its own would otherwise print this line above its one error line.
  if (!metadata?.normalization && typeof args.normalization !== 'string') log.info(`no normalisation in a metadata.json beside the model: assuming ${describeNormalization(DEFAULT_NORMALIZATION)} (pass --normalization min,max to change)`);
  const progress = log.progress('convert', variants.length);
  let converted;
  try {
    const inputShape = [1, ...(model.inputs[0]!.shape.slice(1) as number[])];
    let calibration: Float32Array | undefined;
    // int8 needs the images; int8-dynamic uses them (bias correction) when there are some.
    const calibrate = async () => {
      calibration ??= root ? await calibrationInputs({ root, inputSize: inputShape[1]!, normalization, count: config.convert.calibrationImages, log }) : new Float32Array(0);
      if (calibration.length === 0 && variants.includes('int8')) throw new UserError(`no calibration images in ${root}`, 'CONVERT_NO_CALIBRATION');
      return calibration;
    };
    // Check images: the first calibration images when they are loaded anyway, else seeded random pixels.
    const perImage = inputShape.slice(1).reduce((a, b) => a * b, 1);
    const images = root && variants.some((variant) => variant.startsWith('int8')) ? await calibrate() : undefined;
    const count = images?.length ? Math.min(SELF_CHECK_IMAGES, images.length / perImage) : SELF_CHECK_IMAGES;
    const pixels = images?.length ? pixelsOf(images.subarray(0, count * perImage), normalization) : randomPixels(count, inputShape);
    converted = await convertModel({
      model,
      name: stem,
      variants,
      normalization,
      io: config.convert.io,
      ...(metadata?.classNames ? { classNames: metadata.classNames } : {}),
      calibration: calibrate,
      check: { runtime: tfliteNodeCheck(), pixels, count },
      onVariant: (variant) => {
        signal.throwIfAborted();
        progress.tick(1, variant);
      },
    });
  } finally {
    model.dispose();
  }
  const results: FileResult[] = [];
  for (const { variant, bytes, seconds, check } of converted) {
    const path = output?.endsWith('.tflite') ? output : join(folder, `${stem}.${variant}.tflite`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    results.push({ variant, path, bytes: bytes.length, seconds, ...(check ? { check } : {}) });
  }
  progress.done(`${results.length} written`);
  return results;
}

export function formatCheck(check: SelfCheck): string {
  if ('skipped' in check) return `self-check skipped: ${check.skipped}`;
  const basis = check.against === 'float32' ? ' with the float32 file' : '';
  return `checked on ${check.runtime}, ${check.images} images: max |Δ| ${check.maxDelta.toExponential(1)}, top-1 agreement ${(check.agreement * 100).toFixed(0)}%${basis}`;
}

function report(log: Logger, results: FileResult[]): void {
  for (const result of results) {
    const what = result.reused ? 'up to date' : `${result.seconds.toFixed(1)} s`;
    const check = result.check ? `; ${formatCheck(result.check)}` : '';
    log.info(`${result.model ? `${result.model} ` : ''}${result.variant} → ${result.path} (${formatBytes(result.bytes)}, ${what}${check})`);
    if (result.check && 'skipped' in result.check) log.warn(`${result.model ? `${result.model} ` : ''}${result.variant}: ${formatCheck(result.check)}`);
  }
}

export default defineCommand({
  meta: { name: 'convert', description: 'Convert retrained Mobile models (or any TF.js layers or graph model.json) to .tflite: float32, float16, int8-dynamic, int8' },
  args: { ...commonArgs, ...convertArgs },
  async run({ args, data }) {
    const io = data as CommandIo | undefined;
    const modelFile = modelArgument(args.model, io?.cwd ?? process.cwd()).file;
    // A model.json converts beside itself (or to --output): the out folder is only read for it.
    const context = await setup({ ...args, model: modelFile ? undefined : args.model }, convertOverrides(args), io, modelFile ? { out: 'none' } : { out: 'lock', command: 'bench convert' });
    const { log, config } = context;
    return withInterrupt(log, async (signal) => {
      if (modelFile) {
        const results = await convertModelFile(context, args, modelFile, signal);
        report(log, results);
        log.result({ model: modelFile, files: results });
        return 0;
      }
      const { convertArtifacts } = await import('../../models/tflite/index.ts');
      // int8 calibration on the host's native TFLite, as the bottlenecks (TF.js when it cannot).
      const { tfliteHostRunner } = await import('../../targets/node/tflite-host.ts');
      const results = await convertArtifacts({
        out: context.out,
        models: modelIds(config),
        variants: config.convert.variants,
        calibrationImages: config.convert.calibrationImages,
        io: config.convert.io,
        log,
        signal,
        check: tfliteNodeCheck(),
        calibrationRunner: tfliteHostRunner,
      });
      report(log, results);
      log.result({ files: results });
      return results.length > 0 ? 0 : 1;
    }).finally(() => context.lock?.release());
  },
});
