/**
 * metadata.json beside each Mobile artifact: everything a runtime needs to
 * feed the model (input size, normalisation, class names) and what retraining
 * measured. Plain JSON, read by convert, run and report.
 */
import { z } from 'zod';
import { UserError } from './errors.ts';
import type { TrainingPoint } from './record.ts';

/** value = pixel (0..255) × scale + offset. */
export interface Normalization {
  scale: number;
  offset: number;
}

/** A model that did not come from retraining: the user's own file. */
export type UserModelFormat = 'layers' | 'graph' | 'tflite';

export interface UserModelSource {
  kind: 'user';
  format: UserModelFormat;
  /** The file it was imported from. */
  path: string;
  /** The fields that fell back to a default, in words. */
  assumed: string[];
}

export interface ModelMetadata {
  schema: 1;
  /** Model id (the backbone id it was retrained from, or the user model's id). */
  model: string;
  backbone: string;
  /** Present for a user's own model (models/user-model.ts), which has no dataset or training. */
  source?: UserModelSource;
  /** Square input size in pixels. */
  inputSize: number;
  normalization: Normalization;
  classNames: string[];
  dataset?: {
    root: string;
    generated: boolean;
    splits: { train: number; validation: number; test: number };
    classCounts: Record<string, number>;
  };
  training?: {
    steps: number;
    learningRate: number;
    batchSize: number;
    optimizer: string;
    distortions: boolean;
    backend: string;
    history: TrainingPoint[];
    testAccuracy: number;
    perClassAccuracy: Record<string, number>;
    /** confusionMatrix[actual][predicted], class order as classNames. */
    confusionMatrix: number[][];
    misclassified: { file: string; label: string; predicted: string }[];
    bottleneckSeconds: number;
    /** The engine that computed the bottlenecks of this retrain (`tflite-node`, `tfjs-wasm` …), `cache` when all were cached; absent in older files. */
    bottleneckEngine?: string;
    trainSeconds: number;
    /** Everything this retrain read, hashed (models/retrain-fingerprint.ts): the same value next time means the same head. */
    fingerprint?: string;
  };
  createdAt: string;
}

/** The metadata `bench retrain` writes: dataset and training always present. */
export type RetrainedMetadata = ModelMetadata & Required<Pick<ModelMetadata, 'dataset' | 'training'>>;

/** `[-1, 1] (pixel × 0.00784314 + -1)`: how a normalisation is said in the output. */
export function describeNormalization({ scale, offset }: Normalization): string {
  const top = Math.round((255 * scale + offset) * 1e6) / 1e6;
  return `[${offset}, ${top}] (pixel × ${scale.toPrecision(6)} + ${offset})`;
}

/*
 * A metadata.json may come with a downloaded model: every field a runtime is
 * fed from is checked before use, so that -5, 2.5, 1e999 or Infinity is one
 * line naming the file and the field, not a stack trace from sharp or NaN
 * outputs recorded as agreement. The bounds:
 */
/** Square input side in pixels: 8 (below it no classifier in use) to 4096 (a 4096² RGB image is 48 MiB per evaluation image). */
export const INPUT_SIZE_RANGE = { min: 8, max: 4096 } as const;
/** At most this many class names, each at most MAX_CLASS_NAME characters. */
export const MAX_CLASSES = 100_000;
export const MAX_CLASS_NAME = 1_000;
/** Largest metadata.json (or labels file) read: class names for 100,000 classes fit well within it. */
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;
/** Normalised values beyond ±1e6 are no image input any model expects. */
const MAX_NORMALIZED = 1e6;

/** A value as the message shows it: numbers as JavaScript writes them (Infinity too), anything else by type. */
function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

function isInputSize(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= INPUT_SIZE_RANGE.min && (value as number) <= INPUT_SIZE_RANGE.max;
}

/** The input-size rule in words: `must be an integer between 8 and 4096`. */
export const INPUT_SIZE_RULE = `must be an integer between ${INPUT_SIZE_RANGE.min} and ${INPUT_SIZE_RANGE.max}`;

export const inputSizeSchema = z.unknown().refine(isInputSize, { error: (issue) => `${INPUT_SIZE_RULE}, got ${shown(issue.input)}` });

/** Problems of a normalisation (value = pixel × scale + offset), or undefined when it maps 0..255 onto a finite, non-empty range. */
export function normalizationProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `must be { scale, offset }, got ${shown(value)}`;
  const { scale, offset } = value as { scale?: unknown; offset?: unknown };
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale === 0) return `scale must be a finite number other than 0, got ${shown(scale)}`;
  if (typeof offset !== 'number' || !Number.isFinite(offset)) return `offset must be a finite number, got ${shown(offset)}`;
  const ends = [offset, 255 * scale + offset];
  if (ends.some((end) => !Number.isFinite(end) || Math.abs(end) > MAX_NORMALIZED)) return `maps pixels 0..255 to [${Math.min(...ends)}, ${Math.max(...ends)}], beyond ±${MAX_NORMALIZED}`;
  return undefined;
}

export const normalizationValueSchema = z.unknown().superRefine((value, context) => {
  const problem = normalizationProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

export const classNamesSchema = z
  .array(z.string({ error: (issue) => `must be a string, got ${shown(issue.input)}` }).max(MAX_CLASS_NAME, { error: `must be at most ${MAX_CLASS_NAME} characters` }), {
    error: (issue) => `must be an array of class names, got ${shown(issue.input)}`,
  })
  .max(MAX_CLASSES, { error: `must hold at most ${MAX_CLASSES} class names` });

/** What a metadata.json beside a model may say about feeding it (other keys, such as a retrained model's training, pass through). */
const metadataFileSchema = z.looseObject({
  inputSize: inputSizeSchema.optional(),
  normalization: normalizationValueSchema.optional(),
  classNames: classNamesSchema.optional(),
  /** Another spelling of classNames some exporters use. */
  labels: classNamesSchema.optional(),
  dataset: z.looseObject({ root: z.string({ error: 'must be a path' }).refine((root) => !root.includes('\0'), { error: 'must not hold a NUL byte' }) }).optional(),
});

/** The fields of a metadata.json this harness reads, checked. */
export interface MetadataFile {
  inputSize?: number;
  normalization?: Normalization;
  classNames?: string[];
  labels?: string[];
  dataset?: { root: string };
  [key: string]: unknown;
}

/** `inputSize`, `normalization.scale`, `classNames[3]` from zod's path. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), '');
}

/**
 * Parses and checks a metadata.json's text; `file` names it in the one-line
 * UserError (`…/metadata.json: inputSize must be an integer between 8 and 4096, got -5`).
 */
export function parseMetadataFile(text: string, file: string): MetadataFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file}: not JSON (${(error as Error).message}); fix or remove it`, 'MODEL_METADATA_INVALID');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${file}: must be a JSON object, got ${shown(json)}`, 'MODEL_METADATA_INVALID');
  const result = metadataFileSchema.safeParse(json);
  if (result.success) return result.data as MetadataFile;
  const [first, ...rest] = result.error.issues;
  const field = fieldName(first!.path);
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : '';
  throw new UserError(`${file}: ${field ? `${field} ` : ''}${first!.message.replace(/^Invalid input: /, '')}${more}`, 'MODEL_METADATA_INVALID');
}

/**
 * Checks the values a model will be fed with, wherever they came from (flags,
 * config, a metadata file, the model's own metadata): `source` names it.
 */
export function checkFeeding(values: { inputSize: number; normalization: Normalization; classNames: readonly string[] }, source: string): void {
  if (!isInputSize(values.inputSize)) throw new UserError(`${source}: input size ${INPUT_SIZE_RULE}, got ${shown(values.inputSize)}`, 'MODEL_METADATA_INVALID');
  const problem = normalizationProblem(values.normalization);
  if (problem) throw new UserError(`${source}: normalization ${problem}`, 'MODEL_METADATA_INVALID');
  const names = classNamesSchema.safeParse(values.classNames);
  if (!names.success) throw new UserError(`${source}: class names${fieldName(names.error.issues[0]!.path) ? `[${String(names.error.issues[0]!.path[0])}]` : ''} ${names.error.issues[0]!.message}`, 'MODEL_METADATA_INVALID');
}
