/**
 * The fast feature engine's file (./feature-engine.ts): the backbone cut at
 * its feature layer and pooled, converted to a float32 .tflite by our own
 * converter, and kept in the out folder's cache. Every retrain that computes
 * bottlenecks converted it again (a changed dataset, distorted training
 * batches, `bench all` on a new out folder's models); the next one reads it.
 *
 * Keyed by what it is converted from: the cut model's topology and weights,
 * its input size and normalisation, and CONVERTER_VERSION (bumped when the
 * converter's output changes, as convert-artifacts' reuse is), so another or
 * a retrained backbone converts again. The file's name holds its key and the
 * hash of its bytes: a file whose bytes no longer match (a disk error, an
 * edit) is converted again. It is read without following a link (its own or
 * a folder's between it and the out folder) and refused
 * past a bound before its bytes are allocated; written whole (renamed into
 * place), never through a linked folder; one file per backbone. The feature
 * guard still checks the first batch against TF.js, as for a fresh file.
 *
 * Keeping never fails a retrain: a cache that cannot be read or written only
 * converts again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { backboneTfliteDir } from '../harness/core/layout.ts';
import { assertNoLinkBetween, readFileNoFollow, writeFileAtomic } from '../harness/core/safe-fs.ts';
import { convertLayersModel, CONVERTER_VERSION } from './tflite/index.ts';
import type { Backbone } from './zoo.ts';

/** Largest kept file read back: InceptionV3's float32 file is ~87 MB. */
export const MAX_BACKBONE_TFLITE_BYTES = 512 * 2 ** 20;
/** `<key>-<first 16 hex of the bytes' sha256>.tflite`: the only names this module reads or removes. */
const KEPT_NAME = /^([0-9a-f]{64})-([0-9a-f]{16})\.tflite$/;

export interface BackboneTflite {
  bytes: Uint8Array;
  /** Read from the out folder's cache rather than converted now. */
  kept: boolean;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** What the file is converted from, hashed: the cut model (topology, every weight), its input, the converter's version. */
export function backboneTfliteKey(backbone: Backbone): string {
  const { inputSize, normalization, featureLayer } = backbone.spec;
  const hash = createHash('sha256').update(JSON.stringify({ converter: CONVERTER_VERSION, inputSize, normalization, featureLayer, topology: backbone.features.toJSON(undefined, false) }));
  for (const weight of backbone.features.weights) {
    // read() is the variable's own tensor: nothing to dispose.
    const values = weight.read().dataSync();
    hash.update(`\0${weight.originalName}\0${weight.dtype}\0${weight.shape.join('x')}\0`).update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/**
 * The backbone's float32 .tflite: read from `<out>/cache/backbone-tflite/<id>/`
 * when a file converted from the same backbone is kept there, else converted
 * (and kept there when `out` is given).
 */
export async function backboneTflite(backbone: Backbone, options: { out?: string } = {}): Promise<BackboneTflite> {
  const convert = () => convertLayersModel(backbone.features, { variant: 'float32', normalization: backbone.spec.normalization });
  if (options.out === undefined) return { bytes: await convert(), kept: false };
  const dir = backboneTfliteDir(options.out, backbone.spec.id);
  const key = backboneTfliteKey(backbone);
  const kept = readKept(options.out, dir, key);
  if (kept) return { bytes: kept, kept: true };
  const bytes = await convert();
  keep(options.out, dir, key, bytes);
  return { bytes, kept: false };
}

function readKept(out: string, dir: string, key: string): Uint8Array | undefined {
  let names: string[];
  try {
    // A linked folder between the out folder and the file would read a file from elsewhere.
    assertNoLinkBetween(out, join(dir, 'file'), 'file');
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    const match = KEPT_NAME.exec(name);
    if (match?.[1] !== key) continue;
    try {
      const bytes = readFileNoFollow(join(dir, name), MAX_BACKBONE_TFLITE_BYTES);
      if (sha256(bytes).startsWith(match[2]!)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch {
      // A link, not a file, too large: not a file this module kept.
    }
  }
  return undefined;
}

function keep(out: string, dir: string, key: string, bytes: Uint8Array): void {
  const name = `${key}-${sha256(bytes).slice(0, 16)}.tflite`;
  try {
    // Checked before the folders are made: mkdir would follow a linked folder out of the out folder.
    assertNoLinkBetween(out, join(dir, name), 'file');
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, name), bytes, { inside: out, mode: 0o644 });
    // One file per backbone: an older conversion (another version of the backbone or the converter) goes.
    for (const other of readdirSync(dir)) if (other !== name && KEPT_NAME.test(other)) rmSync(join(dir, other), { force: true });
  } catch {
    // Only slower next time.
  }
}
