/**
 * Full-integer quantization parameters on small hand-built graphs (no runtime):
 * a CONCATENATION whose inputs cannot share one range requantizes the input
 * whose parameters are fixed (a sigmoid output, the model input) instead of
 * squeezing every other input into that range; inputs free to share do share,
 * with no extra op; constants of shared-scale ops take the output's
 * parameters; ops without an int8 kernel run in float between DEQUANTIZE and
 * QUANTIZE, a composed function all together.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IrGraph, IrOp, IrTensor } from '../../models/tflite/graph.ts';
import { quantizeFullInteger } from '../../models/tflite/full-integer.ts';
import type { Range } from '../../models/tflite/quantize.ts';

const UNIT_INPUT = { scale: 1 / 255, zeroPoint: -128 };

/** A graph builder: activations with calibrated ranges, constants, ops. */
function builder() {
  const graph: IrGraph = { tensors: [], ops: [], inputs: [], outputs: [] };
  const ranges = new Map<number, Range>();
  const tensor = (name: string, shape: number[], range?: Range, extra: Partial<IrTensor> = {}) => {
    graph.tensors.push({ name, shape, dtype: 'float32', batched: true, ...extra });
    if (range) ranges.set(graph.tensors.length - 1, range);
    return graph.tensors.length - 1;
  };
  const constant = (name: string, shape: number[], values: number[]) => tensor(name, shape, undefined, { data: Float32Array.from(values), batched: false });
  const op = (name: IrOp['op'], inputs: number[], outputs: number[], options: IrOp['options'] = { kind: 'none' }, unit?: string) =>
    graph.ops.push({ op: name, inputs, outputs, options, version: 1, ...(unit ? { unit } : {}) });
  const dense = (input: number, output: number, units: number) =>
    op('FULLY_CONNECTED', [input, constant('w', [units, 4], new Array(units * 4).fill(0.5)), constant('b', [units], new Array(units).fill(0))], [output], { kind: 'fullyConnected', activation: 'NONE', keepNumDims: false });
  return { graph, ranges, tensor, constant, op, dense };
}

const paramsOf = (graph: IrGraph, index: number) => ({ scale: graph.tensors[index]!.quantization!.scale[0]!, zeroPoint: graph.tensors[index]!.quantization!.zeroPoint[0]! });
const byName = (graph: IrGraph, name: string) => graph.tensors.findIndex((tensor) => tensor.name === name);
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} ≈ ${expected}`);

test('a linear branch concatenated with a sigmoid keeps its own range; the sigmoid output is requantized', () => {
  const b = builder();
  const x = b.tensor('image', [1, 4], [0, 1]);
  const linear = b.tensor('linear', [1, 4], [-3.4, 3.5]);
  const logits = b.tensor('logits', [1, 4], [-5, 5]);
  const gate = b.tensor('gate', [1, 4], [0, 1]);
  const joined = b.tensor('joined', [1, 8], [-3.4, 3.5]);
  b.dense(x, linear, 4);
  b.dense(x, logits, 4);
  b.op('LOGISTIC', [logits], [gate]);
  b.op('CONCATENATION', [linear, gate], [joined], { kind: 'concatenation', axis: 1, activation: 'NONE' });
  Object.assign(b.graph, { inputs: [x], outputs: [joined] });
  const out = quantizeFullInteger(b.graph, { ranges: b.ranges, io: 'float', input: UNIT_INPUT });

  // The linear branch and the concatenation share parameters covering [-3.4, 3.5]: 6.9 / 255 per step.
  const linearParams = paramsOf(out, byName(out, 'linear'));
  close(linearParams.scale, 6.9 / 255);
  assert.deepEqual(paramsOf(out, byName(out, 'joined_int8')), linearParams);
  // The sigmoid keeps the 1/256 its int8 kernel requires, and a QUANTIZE int8 → int8 moves it onto the concatenation's.
  assert.deepEqual(paramsOf(out, byName(out, 'gate')), { scale: Math.fround(1 / 256), zeroPoint: -128 });
  const concat = out.ops.find((op) => op.op === 'CONCATENATION')!;
  const requantize = out.ops.find((op) => op.outputs[0] === concat.inputs[1])!;
  assert.equal(requantize.op, 'QUANTIZE');
  assert.equal(requantize.inputs[0], byName(out, 'gate'));
  assert.deepEqual(paramsOf(out, concat.inputs[1]!), linearParams);
  assert.ok(out.ops.indexOf(requantize) < out.ops.indexOf(concat));
});

test('the model input concatenated with a branch is requantized onto the branch-wide range', () => {
  const b = builder();
  const x = b.tensor('image', [1, 4], [0, 1]);
  const branch = b.tensor('branch', [1, 4], [-3, 3]);
  const joined = b.tensor('joined', [1, 8], [-3, 3]);
  b.dense(x, branch, 4);
  b.op('CONCATENATION', [x, branch], [joined], { kind: 'concatenation', axis: 1, activation: 'NONE' });
  Object.assign(b.graph, { inputs: [x], outputs: [joined] });
  const out = quantizeFullInteger(b.graph, { ranges: b.ranges, io: 'float', input: UNIT_INPUT });
  // The quantized input keeps the normalisation's exact parameters for the dense op …
  assert.deepEqual(paramsOf(out, byName(out, 'image_int8')), { scale: UNIT_INPUT.scale, zeroPoint: UNIT_INPUT.zeroPoint });
  // … and is requantized for the concatenation, whose range is the branch's, not [0, 1].
  const concat = out.ops.find((op) => op.op === 'CONCATENATION')!;
  close(paramsOf(out, concat.outputs[0]!).scale, 6 / 255);
  assert.equal(out.ops.find((op) => op.outputs[0] === concat.inputs[0])!.op, 'QUANTIZE');
  assert.deepEqual(paramsOf(out, concat.inputs[1]!), paramsOf(out, concat.outputs[0]!));
});

test('concatenated inputs free to share parameters share them, with no requantization', () => {
  const b = builder();
  const x = b.tensor('image', [1, 4], [0, 1]);
  const a = b.tensor('a', [1, 4], [0, 6]);
  const c = b.tensor('c', [1, 4], [-2, 1]);
  const joined = b.tensor('joined', [1, 8], [-2, 6]);
  b.dense(x, a, 4);
  b.dense(x, c, 4);
  b.op('CONCATENATION', [a, c], [joined], { kind: 'concatenation', axis: 1, activation: 'NONE' });
  Object.assign(b.graph, { inputs: [x], outputs: [joined] });
  const out = quantizeFullInteger(b.graph, { ranges: b.ranges, io: 'float', input: UNIT_INPUT });
  assert.equal(out.ops.filter((op) => op.op === 'QUANTIZE').length, 1, 'only the model input is quantized');
  close(paramsOf(out, byName(out, 'a')).scale, 8 / 255);
  assert.deepEqual(paramsOf(out, byName(out, 'a')), paramsOf(out, byName(out, 'c')));
});

test("a MAXIMUM's constant is quantized with the output's parameters (the kernel compares raw int8 values)", () => {
  const b = builder();
  const x = b.tensor('image', [1, 4], [0, 1]);
  const y = b.tensor('y', [1, 4], [-4, 4]);
  const floor = b.constant('floor', [1], [-1]);
  const clipped = b.tensor('clipped', [1, 4], [-1, 4]);
  b.dense(x, y, 4);
  b.op('MAXIMUM', [y, floor], [clipped]);
  Object.assign(b.graph, { inputs: [x], outputs: [clipped] });
  const out = quantizeFullInteger(b.graph, { ranges: b.ranges, io: 'float', input: UNIT_INPUT });
  const params = paramsOf(out, byName(out, 'y'));
  assert.deepEqual(paramsOf(out, byName(out, 'floor')), params);
  assert.equal((out.tensors[byName(out, 'floor')]!.data as Int8Array)[0], Math.round(-1 / params.scale) + params.zeroPoint);
});

test('ops without an int8 kernel run in float between DEQUANTIZE and QUANTIZE; a composed function stays in one domain', () => {
  const b = builder();
  const x = b.tensor('image', [1, 4], [0, 1]);
  const y = b.tensor('y', [1, 4], [-4, 4]);
  const magnitude = b.tensor('magnitude', [1, 4], [0, 4]);
  const exponential = b.tensor('exponential', [1, 4], [0.01, 1]);
  const z = b.tensor('z', [1, 4], [0, 2]);
  b.dense(x, y, 4);
  // ABS has an int8 kernel, EXP has none: as one composed function, both run in float.
  b.op('ABS', [y], [magnitude], { kind: 'none' }, 'f');
  b.op('EXP', [magnitude], [exponential], { kind: 'none' }, 'f');
  b.dense(exponential, z, 4);
  Object.assign(b.graph, { inputs: [x], outputs: [z] });
  const out = quantizeFullInteger(b.graph, { ranges: b.ranges, io: 'float', input: UNIT_INPUT });
  const sequence = out.ops.map((op) => op.op);
  assert.deepEqual(sequence, ['QUANTIZE', 'FULLY_CONNECTED', 'DEQUANTIZE', 'ABS', 'EXP', 'QUANTIZE', 'FULLY_CONNECTED', 'DEQUANTIZE']);
  assert.equal(out.tensors[byName(out, 'magnitude')]!.dtype, 'float32');
  assert.equal(out.tensors[byName(out, 'exponential')]!.dtype, 'float32');
  close(paramsOf(out, byName(out, 'exponential_int8')).scale, 1 / 255);
});
