/**
 * The self-check is derived from the float32 file: float32 is converted and
 * checked against the TF.js model first (even when not asked for), and every
 * other variant is checked against the float32 file's outputs on the same
 * images. When float32 computes another function, no variant is converted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertLayersModel, convertModel, SelfCheckError, type CheckRuntime } from '../../models/tflite/index.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';
import { compareOutputs, predictTflite, UNIT } from '../helpers/tflite-compare.ts';
import { LAYERS, zooImages } from '../helpers/tflite-zoo.ts';

const tfliteNode: CheckRuntime = { name: 'tflite-node', open: (bytes, normalization) => openTfliteSession({ bytes, normalization, threads: 1, batchSize: 1 }) };

test('float16 and int8 are checked against the float32 file, which is converted and checked against TF.js even when not asked for', async () => {
  const model = LAYERS.find((entry) => entry.name === 'activation_swish')!.build();
  const size = model.inputs[0]!.shape[1]!;
  const pixels = zooImages(8, size, 'basis');
  const calibration = Float32Array.from(zooImages(16, size, 'calibration'), (pixel) => pixel * UNIT.scale);
  const converted = await convertModel({ model, name: 'swish', variants: ['float16', 'int8'], normalization: UNIT, calibration: async () => calibration, check: { runtime: tfliteNode, pixels, count: 8 } });
  assert.deepEqual(converted.map((file) => file.variant), ['float16', 'int8']);

  // The float32 function, computed here independently of the converter's check.
  const float32 = await predictTflite(await convertLayersModel(model, { variant: 'float32', normalization: UNIT }), pixels, 8);
  const classes = model.outputs[0]!.shape.at(-1)!;
  for (const { variant, bytes, check } of converted) {
    assert.ok(check && 'maxDelta' in check, variant);
    assert.equal(check.against, 'float32', variant);
    assert.deepEqual({ maxDelta: check.maxDelta, agreement: check.agreement }, compareOutputs(float32, await predictTflite(bytes, pixels, 8), classes), variant);
  }
  model.dispose();
});

test('when the float32 file computes another function, no other variant is converted', async () => {
  const model = LAYERS.find((entry) => entry.name === 'leaky_relu')!.build();
  const other = LAYERS.find((entry) => entry.name === 'prelu')!.build();
  const wrongBytes = await convertLayersModel(other, { variant: 'float32' });
  // The real runtime handed another model's file: what a lowering bug would produce.
  const wrongFile: CheckRuntime = { name: 'tflite-node', open: (_bytes, normalization) => openTfliteSession({ bytes: wrongBytes, normalization, threads: 1, batchSize: 1 }) };
  const variantsDone: string[] = [];
  let calibrationAsked = false;
  await assert.rejects(
    convertModel({
      model,
      name: 'leaky',
      variants: ['float16', 'int8-dynamic', 'int8'],
      calibration: async () => {
        calibrationAsked = true;
        return Float32Array.from(zooImages(4, 16, 'calibration'), (pixel) => pixel * UNIT.scale);
      },
      check: { runtime: wrongFile, pixels: zooImages(8, 16, 'wrong'), count: 8 },
      onVariant: (variant) => variantsDone.push(variant),
    }),
    (error: unknown) => error instanceof SelfCheckError && /^leaky: the float32 file differs from the TF\.js model/.test(error.message),
  );
  assert.deepEqual(variantsDone, []);
  assert.equal(calibrationAsked, false, 'int8 was not calibrated, let alone converted');
  model.dispose();
  other.dispose();
});
