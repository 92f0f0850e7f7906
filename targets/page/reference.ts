/**
 * The reference outputs (eval/reference.json, written on the host) in the
 * one shape the page reads (app/inputs.ts ReferenceJson). Accepts the flat
 * and the nested (images × classes) layout and base64 float32 data, so the
 * page does not depend on how the host chose to write the file.
 */
import { basename } from 'node:path';
import type { ReferenceJson } from './app/inputs.ts';

type Loose = Record<string, unknown>;

function numbersFrom(value: unknown): number[] | undefined {
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item === 'number')) return value as number[];
    if (value.every((row) => Array.isArray(row))) return (value as unknown[][]).flat() as number[];
    return undefined;
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length % 4 !== 0) return undefined;
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return Array.from(floats);
  }
  return undefined;
}

export function normalizeReference(json: unknown, path: string): ReferenceJson {
  if (typeof json !== 'object' || json === null) throw new Error(`${path}: not a reference-outputs object`);
  const loose = json as Loose;
  const raw = loose.probabilities ?? loose.outputs ?? loose.data;
  const probabilities = numbersFrom(raw);
  if (!probabilities) throw new Error(`${path}: no probabilities (expected an array of numbers, rows of numbers or base64 float32)`);
  const nestedRows = Array.isArray(raw) && Array.isArray(raw[0]) ? raw.length : undefined;
  const images = typeof loose.images === 'number' ? loose.images : (nestedRows ?? Number.NaN);
  const classes = typeof loose.classes === 'number' ? loose.classes : Number.isFinite(images) && images > 0 ? probabilities.length / images : Number.NaN;
  if (!Number.isInteger(images) || !Number.isInteger(classes) || images * classes !== probabilities.length) {
    throw new Error(`${path}: ${probabilities.length} probabilities do not make ${String(loose.images)} images × ${String(loose.classes)} classes`);
  }
  // The Node target names a reference by the runtime that made it (targets/node/reference-file.ts).
  const name = typeof loose.name === 'string' ? loose.name : typeof loose.runtime === 'string' ? loose.runtime : basename(path);
  return { name, images, classes, probabilities };
}
