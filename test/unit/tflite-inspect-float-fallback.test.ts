/**
 * `bench inspect` says which ops of an integer file run in float32 (ops without
 * an int8 kernel, between DEQUANTIZE and QUANTIZE), and says nothing of the
 * kind for a float file or a fully integer one.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../harness/cli.ts';
import type { IrGraph } from '../../models/tflite/graph.ts';
import { quantizeFullInteger } from '../../models/tflite/full-integer.ts';
import type { Range } from '../../models/tflite/quantize.ts';
import { inspectTflite } from '../../models/tflite/reader.ts';
import { assignVersions } from '../../models/tflite/versions.ts';
import { writeTflite } from '../../models/tflite/writer.ts';
import { tempDir } from '../helpers/tmp.ts';

/** image → FULLY_CONNECTED → (EXP when `exp`) → FULLY_CONNECTED, ranges given. */
function graph(exp: boolean): { graph: IrGraph; ranges: Map<number, Range> } {
  const g: IrGraph = { tensors: [], ops: [], inputs: [0], outputs: [] };
  const add = (name: string, shape: number[], data?: Float32Array) => g.tensors.push({ name, shape, dtype: 'float32', ...(data ? { data } : { batched: true }) }) - 1;
  const ranges = new Map<number, Range>();
  const image = add('image', [1, 4]);
  ranges.set(image, [0, 1]);
  const dense = (input: number, name: string, range: Range) => {
    const output = add(name, [1, 4]);
    ranges.set(output, range);
    g.ops.push({ op: 'FULLY_CONNECTED', inputs: [input, add(`${name}/w`, [4, 4], new Float32Array(16).fill(0.25)), add(`${name}/b`, [4], new Float32Array(4))], outputs: [output], options: { kind: 'fullyConnected', activation: 'NONE', keepNumDims: false }, version: 1 });
    return output;
  };
  let x = dense(image, 'first', [0, 1]);
  if (exp) {
    const y = add('exp', [1, 4]);
    ranges.set(y, [1, 3]);
    g.ops.push({ op: 'EXP', inputs: [x], outputs: [y], options: { kind: 'none' }, version: 1 });
    x = y;
  }
  g.outputs = [dense(x, 'second', [0, 3])];
  return { graph: g, ranges };
}

function int8File(exp: boolean): Uint8Array {
  const { graph: g, ranges } = graph(exp);
  const quantized = quantizeFullInteger(g, { ranges, io: 'float', input: { scale: 1 / 255, zeroPoint: -128 } });
  assignVersions(quantized);
  return writeTflite(quantized);
}

test('an integer file with an op lacking an int8 kernel lists it as float fallback', async () => {
  assert.deepEqual(inspectTflite(int8File(true)).floatFallback, { EXP: 1 });
  assert.equal(inspectTflite(int8File(false)).floatFallback, undefined);
  const float = graph(true).graph;
  assignVersions(float);
  assert.equal(inspectTflite(writeTflite(float)).floatFallback, undefined, 'a float file has no fallback to report');

  const dir = await tempDir('inspect-fallback');
  const path = join(dir, 'exp.tflite');
  await writeFile(path, int8File(true));
  const stderr: string[] = [];
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    assert.equal(await main(['inspect', path]), 0);
  } finally {
    process.stderr.write = writeErr;
  }
  assert.match(stderr.join(''), /\nfloat fallback \(ops of this integer graph that run in float32, between DEQUANTIZE and QUANTIZE\): EXP 1\n/);
});
