/**
 * A TF.js model.json read as untrusted input, before TF.js sees it: its
 * weights manifest checked with zod, every shard path kept inside the
 * model's folder (harness/core/contained-path.ts), every shard a regular file
 * that exists, and the sizes bounded before anything is allocated: the
 * model.json itself, the shards together, and the elements the weight specs
 * declare (which must also fit in the bytes the shards hold, since TF.js
 * would otherwise decode past their end).
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { assertRealPathInside, containedPath, quotedEntry } from '../harness/core/contained-path.ts';
import { UserError } from '../harness/core/errors.ts';
import { readBounded } from './bounded-read.ts';

/** Largest model.json read: a GraphDef with inline constants is a few MB; 256 MiB is far past any real one. */
export const MAX_MODEL_JSON_BYTES = 256 * 1024 * 1024;
/** Largest total of weight shards: an on-device model is tens of MB; 1 GiB leaves room and bounds the read. */
export const MAX_WEIGHT_BYTES = 1024 * 1024 * 1024;
/** Largest total of declared weight elements (2^28: 1 GiB once dequantized to float32). */
export const MAX_WEIGHT_ELEMENTS = 2 ** 28;
const MAX_GROUPS = 10_000;
const MAX_SHARDS = 100_000;
const MAX_RANK = 16;

/** Bytes per value as stored: the quantized type when there is one, else the type itself (TF.js's DTYPE_VALUE_SIZE_MAP). */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2, int8: 1 };

const weightSpecSchema = z.looseObject({
  name: z.string(),
  shape: z.array(z.number().int().min(0)).max(MAX_RANK),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
  quantization: z.looseObject({ dtype: z.enum(['uint8', 'uint16', 'float16']) }).optional(),
});

const manifestSchema = z
  .array(
    z.looseObject({
      // Paths are checked one by one below, for a message naming the entry.
      paths: z.array(z.unknown()).max(MAX_SHARDS),
      weights: z.array(weightSpecSchema),
    }),
  )
  .max(MAX_GROUPS);

export type WeightSpec = z.infer<typeof weightSpecSchema>;

export interface ModelJson {
  modelTopology?: unknown;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  format?: string;
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
}

export interface Shard {
  /** As written in model.json (relative to its folder). */
  entry: string;
  /** Absolute path, inside the model's folder. */
  path: string;
  bytes: number;
}

export interface CheckedModelJson {
  /** Absolute path of the model.json. */
  path: string;
  json: ModelJson;
  /** Every shard, in manifest order. */
  shards: Shard[];
}

const FOLDER = "the model's folder";

async function readModelJsonText(path: string): Promise<string> {
  return (await readBounded(path, MAX_MODEL_JSON_BYTES, 'MODEL_UNREADABLE')).toString('utf8');
}

/** Declared elements of one weight spec, and the bytes it takes in the shards (undefined for strings, whose size only the data says). */
function declared(spec: WeightSpec): { elements: number; bytes: number | undefined } {
  const elements = spec.shape.reduce((product, dim) => product * dim, 1);
  if (spec.dtype === 'string' && !spec.quantization) return { elements, bytes: undefined };
  return { elements, bytes: elements * STORED_BYTES[spec.quantization?.dtype ?? spec.dtype]! };
}

/** Checks what a weights manifest declares against the bounds and against the bytes present. */
function checkDeclaredSizes(path: string, manifest: ModelJson['weightsManifest'], present: number): void {
  let elements = 0;
  let bytes = 0;
  let measurable = true;
  for (const [g, group] of manifest.entries()) {
    for (const [w, spec] of group.weights.entries()) {
      const size = declared(spec);
      elements += size.elements;
      if (!Number.isSafeInteger(elements) || elements > MAX_WEIGHT_ELEMENTS) {
        throw new UserError(`${path}: weightsManifest[${g}].weights[${w}] (${spec.name}, shape [${spec.shape.join(', ')}]) brings the weights to over ${MAX_WEIGHT_ELEMENTS} elements, the bound this harness reads`, 'MODEL_TOO_LARGE');
      }
      if (size.bytes === undefined) measurable = false;
      else bytes += size.bytes;
    }
  }
  if (measurable && bytes > present) throw new UserError(`${path}: its weights manifest declares ${bytes} bytes of weights, but its shards hold ${present}`, 'MODEL_INVALID');
}

/**
 * Reads and checks a model.json and finds its shards; reads no shard. Every
 * problem is one UserError line naming the model.json and the entry.
 */
export async function checkModelJson(modelJsonPath: string): Promise<CheckedModelJson> {
  const path = resolve(modelJsonPath);
  const text = await readModelJsonText(path);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`cannot read TF.js model ${path}: ${(error as Error).message}`, 'MODEL_UNREADABLE');
  }
  if (typeof raw !== 'object' || raw === null || !raw.modelTopology || !raw.weightsManifest) throw new UserError(`${path} is not a TF.js model (no modelTopology/weightsManifest)`, 'MODEL_INVALID');
  const parsed = manifestSchema.safeParse(raw.weightsManifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
    throw new UserError(`${path}: weightsManifest${where}: ${issue.message.replace(/^Invalid input: /, '')}`, 'MODEL_INVALID');
  }
  const folder = dirname(path);
  const shards: Shard[] = [];
  let total = 0;
  for (const [g, group] of parsed.data.entries()) {
    for (const [p, entry] of group.paths.entries()) {
      const what = `${path}: weightsManifest[${g}].paths[${p}]`;
      const shardPath = containedPath(folder, entry, what, FOLDER);
      const shown = `${what} ${quotedEntry(entry as string)}`;
      await assertRealPathInside(folder, shardPath, shown, FOLDER);
      let info;
      try {
        info = await stat(shardPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
          throw new UserError(`${what}: weight file ${quotedEntry(entry as string)} is missing (no ${shardPath})`, 'MODEL_WEIGHTS_MISSING');
        }
        throw new UserError(`${shown}: ${(error as Error).message}`, 'MODEL_UNREADABLE');
      }
      if (!info.isFile()) throw new UserError(`${shown} is not a regular file`, 'MODEL_INVALID');
      total += info.size;
      if (total > MAX_WEIGHT_BYTES) throw new UserError(`${path}: its weight files come to over ${MAX_WEIGHT_BYTES / 2 ** 30} GiB, the bound this harness reads`, 'MODEL_TOO_LARGE');
      shards.push({ entry: entry as string, path: shardPath, bytes: info.size });
    }
  }
  const json = { ...(raw as object), weightsManifest: parsed.data } as ModelJson;
  checkDeclaredSizes(path, json.weightsManifest, total);
  return { path, json, shards };
}

/** The shards' bytes, in manifest order, each read checked against the size it had when checked. */
export async function readShards(checked: CheckedModelJson): Promise<Buffer> {
  const buffers: Buffer[] = [];
  for (const shard of checked.shards) {
    let data: Buffer;
    try {
      data = await readFile(shard.path);
    } catch (error) {
      throw new UserError(`${checked.path}: cannot read weight file ${quotedEntry(shard.entry)}: ${(error as Error).message}`, 'MODEL_UNREADABLE');
    }
    // A file that grew between the check and the read could break the bound.
    if (data.length !== shard.bytes) throw new UserError(`${checked.path}: weight file ${quotedEntry(shard.entry)} changed while it was read`, 'MODEL_UNREADABLE');
    buffers.push(data);
  }
  return Buffer.concat(buffers);
}
