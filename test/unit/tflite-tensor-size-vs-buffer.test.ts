/**
 * A .tflite whose constant tensor declares more elements than its buffer
 * holds (a forged shape over a small buffer) is a TfliteFormatError naming
 * the tensor, its shape and both sizes, before any runtime is handed a file
 * that would make it read past the buffer. Honest files, and tensors whose
 * size only the runtime knows (a dynamic dimension), still read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IrGraph } from '../../models/tflite/graph.ts';
import { inspectTflite, TfliteFormatError } from '../../models/tflite/reader.ts';
import { writeTflite } from '../../models/tflite/writer.ts';

/** ADD of a constant whose declared shape is `shape` and whose data is four float32. */
function fileWithConstant(shape: number[]): Uint8Array {
  const graph: IrGraph = {
    tensors: [
      { name: 'image', shape: [1, 4], dtype: 'float32', batched: true },
      { name: 'offset', shape, dtype: 'float32', data: Float32Array.of(1, 2, 3, 4) },
      { name: 'probabilities', shape: [1, 4], dtype: 'float32', batched: true },
    ],
    ops: [{ op: 'ADD', inputs: [0, 1], outputs: [2], options: { kind: 'add', activation: 'NONE' }, version: 1 }],
    inputs: [0],
    outputs: [2],
  };
  return writeTflite(graph);
}

test('a constant declaring more than its buffer holds is refused, naming it', () => {
  assert.equal(inspectTflite(fileWithConstant([4])).weightBytes.float32, 16);
  assert.throws(
    () => inspectTflite(fileWithConstant([100000, 100000])),
    (error: unknown) => {
      assert.ok(error instanceof TfliteFormatError, String(error));
      assert.equal(error.message, 'malformed .tflite: subgraph 0 tensor 1 (offset) declares shape [100000, 100000] of float32 (40000000000 bytes), but its buffer 1 holds 16 bytes');
      return true;
    },
  );
});

test('a dynamic dimension is left to the runtime', () => {
  assert.equal(inspectTflite(fileWithConstant([-1, 4])).weightBytes.float32, 16);
});
