/**
 * The mobile networks of the test zoo (MobileNetV3-Small-like with hard-swish and
 * squeeze-excite, EfficientNet-B0-like blocks with swish and SE, an Xception-like
 * block with SeparableConv2D and a residual, a small U-Net-like decoder with
 * Conv2DTranspose, UpSampling2D, Concatenate and Cropping2D, InceptionV3's
 * blocks with average pooling and 1×7 / 7×1 convolutions), each converted in
 * all four variants and run on tfjs-tflite-node against TF.js: float32 within
 * 1e-4 and 100% top-1 agreement, float16 within 5e-3, both int8 variants at
 * least 90% top-1 agreement; every op of their int8 files has an int8 kernel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspectTflite } from '../../models/tflite/index.ts';
import { convertAndCompare, describe, failedBars } from '../helpers/tflite-compare.ts';
import { INCEPTION_LIKE, NETWORKS, zooImages } from '../helpers/tflite-zoo.ts';

const IMAGES = 32;

for (const network of [...NETWORKS, INCEPTION_LIKE]) {
  test(`${network.name}: every variant agrees with TF.js`, async (t) => {
    const model = network.build();
    const size = model.inputs[0]!.shape[1]!;
    const calibration = Float32Array.from(zooImages(32, size, 'calibration'), (pixel) => pixel / 255);
    const results = await convertAndCompare(model, zooImages(IMAGES, size, 'check'), IMAGES, calibration);
    t.diagnostic(describe(results));
    assert.deepEqual(failedBars(results), []);
    const int8 = inspectTflite(results.find((result) => result.variant === 'int8')!.bytes);
    assert.equal(int8.floatFallback, undefined, `float ops in the int8 file: ${JSON.stringify(int8.floatFallback)}`);
    model.dispose();
  });
}
