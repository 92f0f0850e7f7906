/**
 * Full-integer quantization is a pure function of the float graph: its passes
 * (conversions, activation parameters, requantized shared-scale inputs,
 * constants, edges) each return new data, so the float graph that the other
 * variants are emitted from is exactly as it was, and the same graph
 * quantizes to the same result every time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quantizeFullInteger } from '../../models/tflite/full-integer.ts';
import type { IrGraph } from '../../models/tflite/graph.ts';
import type { Range } from '../../models/tflite/quantize.ts';

/** image → dense (int8) → [dense → sigmoid, constant] → concatenation (shared scale) → exp (float only): every pass has work. */
function floatGraph(): { graph: IrGraph; ranges: Map<number, Range> } {
  const act = (name: string, shape: number[]) => ({ name, shape, dtype: 'float32' as const, batched: true });
  const constant = (name: string, shape: number[], values: number[]) => ({ name, shape, dtype: 'float32' as const, data: Float32Array.from(values) });
  const graph: IrGraph = {
    tensors: [
      act('image', [1, 4]), // 0
      constant('w1', [4, 4], Array.from({ length: 16 }, (_, i) => (i % 5) / 4 - 0.5)), // 1
      constant('b1', [4], [0.1, -0.2, 0.3, 0]), // 2
      act('hidden', [1, 4]), // 3
      constant('w2', [4, 4], Array.from({ length: 16 }, (_, i) => (i % 3) / 2 - 0.4)), // 4
      constant('b2', [4], [0, 0, 0.5, -0.5]), // 5
      act('logits', [1, 4]), // 6
      act('gate', [1, 4]), // 7
      constant('bias_row', [1, 2], [-2, 3]), // 8
      act('joined', [1, 10]), // 9
      act('exp', [1, 10]), // 10
    ],
    ops: [
      { op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { kind: 'fullyConnected', activation: 'RELU', keepNumDims: false }, version: 1 },
      { op: 'FULLY_CONNECTED', inputs: [3, 4, 5], outputs: [6], options: { kind: 'fullyConnected', activation: 'NONE', keepNumDims: false }, version: 1 },
      { op: 'LOGISTIC', inputs: [6], outputs: [7], options: { kind: 'none' }, version: 1 },
      { op: 'CONCATENATION', inputs: [3, 7, 8], outputs: [9], options: { kind: 'concatenation', axis: 1, activation: 'NONE' }, version: 1 },
      { op: 'EXP', inputs: [9], outputs: [10], options: { kind: 'none' }, version: 1 },
    ],
    inputs: [0],
    outputs: [9, 10],
  };
  const ranges = new Map<number, Range>([
    [0, [0, 1]],
    [3, [0, 2.5]],
    [6, [-4, 4]],
    [7, [0, 1]],
    [9, [-2, 3]],
    [10, [0, 20]],
  ]);
  return { graph, ranges };
}

test('quantizeFullInteger leaves the float graph as it was and gives the same graph every time', () => {
  for (const io of ['float', 'uint8'] as const) {
    const { graph, ranges } = floatGraph();
    const before = structuredClone(graph);
    const options = { ranges, io, input: { scale: 1 / 255, zeroPoint: -128 }, biasCorrection: new Map([[2, Float32Array.of(0.01, 0, 0, -0.01)]]) };
    const first = quantizeFullInteger(graph, options);
    assert.deepEqual(graph, before, `${io}: the float graph is unchanged`);
    assert.deepEqual(quantizeFullInteger(graph, options), first, `${io}: the same result again`);
    // The passes did their work: int8 weights, a requantized sigmoid, a quantized constant, float EXP between conversions, edges.
    const ops = first.ops.map((op) => op.op);
    assert.equal(first.tensors[1]!.dtype, 'int8');
    assert.equal(first.tensors[2]!.dtype, 'int32');
    assert.equal(first.tensors[8]!.dtype, 'int8');
    assert.ok(ops.filter((op) => op === 'QUANTIZE').length >= 2, ops.join(' '));
    assert.ok(ops.includes('DEQUANTIZE'), ops.join(' '));
    assert.equal(first.tensors[first.inputs[0]!]!.dtype, io === 'uint8' ? 'uint8' : 'float32');
    assert.deepEqual(first.outputs.map((index) => first.tensors[index]!.name), ['joined', 'exp']);
  }
});
