/**
 * The full-int8 writer gives the classifier the shapes TFLite 2.9's XNNPACK
 * delegate takes (72 of 72 MobileNetV2 ops on it, where its FULLY_CONNECTED
 * and SOFTMAX were left): the FULLY_CONNECTED's int32 bias has one scale,
 * as its per-tensor filter has (2.9 gives a tensor a scale of its own only
 * when it has one, and the delegate refused a bias without), and the head's
 * softmax runs in float32 after a DEQUANTIZE (the delegate has no int8
 * softmax), which inspect does not call a fallback. Convolutions keep their
 * per-channel filters and biases.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { emitVariant, prepareModel, variantGraph } from '../../models/tflite/convert.ts';
import { inspectTflite } from '../../models/tflite/reader.ts';

type T = tf.SymbolicTensor;

test('int8: a per-tensor bias for the per-tensor dense filter, the softmax in float32, per-channel convolutions', async () => {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ name: 'conv', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as T;
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as T;
  x = tf.layers.dense({ name: 'head', units: 3, activation: 'softmax' }).apply(x) as T;
  const net = tf.model({ inputs: input, outputs: x });
  const calibration = Float32Array.from({ length: 4 * 8 * 8 * 3 }, (_, index) => ((index * 2654435761) % 1000) / 1000);
  const options = { variant: 'int8' as const, normalization: { scale: 1 / 255, offset: 0 }, calibration };
  const graph = await variantGraph(prepareModel(net), options);
  // Written, the float head is the converter's choice, not reported as a float fallback; with uint8 outputs it stays int8.
  assert.equal(inspectTflite(await emitVariant(prepareModel(net), options)).floatFallback, undefined);
  const uint8 = await variantGraph(prepareModel(net), { ...options, io: 'uint8' });
  net.dispose();
  assert.equal(uint8.tensors[uint8.ops.find((op) => op.op === 'SOFTMAX')!.outputs[0]!]!.dtype, 'int8');

  assert.deepEqual(graph.ops.map((op) => op.op), ['QUANTIZE', 'CONV_2D', 'MEAN', 'FULLY_CONNECTED', 'DEQUANTIZE', 'SOFTMAX']);
  const [, conv, , dense, , softmax] = graph.ops;
  const tensor = (index: number) => graph.tensors[index]!;
  // The dense layer: int8 filter and int32 bias, one scale each; the bias's is input scale × filter scale.
  assert.equal(tensor(dense!.inputs[1]!).quantization!.scale.length, 1);
  const bias = tensor(dense!.inputs[2]!);
  assert.equal(bias.dtype, 'int32');
  assert.deepEqual(bias.quantization!.zeroPoint, [0]);
  assert.equal(bias.quantization!.dimension, undefined);
  assert.equal(bias.quantization!.scale[0], Math.fround(tensor(dense!.inputs[0]!).quantization!.scale[0]! * tensor(dense!.inputs[1]!).quantization!.scale[0]!));
  // The softmax: float32 in and out, the model's output.
  assert.equal(tensor(softmax!.inputs[0]!).dtype, 'float32');
  assert.equal(tensor(softmax!.outputs[0]!).dtype, 'float32');
  assert.deepEqual(graph.outputs, softmax!.outputs);
  // The convolution: one scale per output channel, filter and bias alike.
  assert.equal(tensor(conv!.inputs[1]!).quantization!.scale.length, 4);
  assert.equal(tensor(conv!.inputs[2]!).quantization!.scale.length, 4);
  assert.equal(tensor(conv!.inputs[2]!).quantization!.dimension, 0);
});
