/**
 * The retrain workload in headless Chromium, through the benchmark page's
 * protocol (the route phones take too): on tfjs-webgl (SwiftShader here, named
 * explicitly since software GPUs are out of the default plan) extraction, head
 * training and evaluation complete on a small training pack, and the head
 * reaches the host's accuracy within the tolerance. The same page on
 * tfjs-wasm is android-cdp-route.test.ts's job (the phone's Chrome is a
 * desktop Chromium here).
 * The model is a 32 px two-conv backbone retrained on red, green and blue
 * pictures, as a user's own backbone and images would be
 * (test/helpers/retrained-tiny.ts): the page's retrain code is the same for
 * any backbone, and mobilenet_v2 took about a second an image on SwiftShader,
 * most of this file's 40–50 s. Its head learns the colours (the host's
 * reaches well above chance), so a page whose training went wrong would miss
 * the tolerance.
 */
import assert from 'node:assert/strict';
import { test, before } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import { workloadOf } from '../../harness/core/record.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { seedPageBundle } from '../helpers/page-bundle.ts';
import { TINY_BACKBONE, tinyRetrainConfig, tinyRetrainFixture } from '../helpers/retrained-tiny.ts';

let out: string;

before(async () => {
  ({ out } = await tinyRetrainFixture('retrain-workload-browser'));
  await seedPageBundle(out);
});

test('headless Chromium tfjs-webgl retrains a model on a small pack to the host accuracy', async () => {
  const config = tinyRetrainConfig(out, { run: { targets: ['browser'], backends: ['tfjs-webgl'] }, browser: { browsers: ['/usr/bin/chromium'] }, retrainWorkload: { images: 12, steps: 30, evalImages: 18 } });
  const log = memoryLogger();
  const { record } = await runBenchmarks({ config, log, out });
  assert.deepEqual(record.failures, [], log.lines.join('\n'));
  assert.deepEqual(record.measurements.map((measured) => measured.key.runtime), ['tfjs-webgl']);
  for (const measured of record.measurements) {
    const label = measured.key.runtime;
    assert.equal(measured.key.target, 'browser');
    assert.equal(workloadOf(measured.key), 'retrain');
    const retrain = measured.retrain!;
    assert.ok(retrain, `${label}: the page returned the retrain numbers`);
    assert.equal(measured.key.model, TINY_BACKBONE);
    assert.equal(retrain.extraction.images, 12);
    assert.ok(retrain.extraction.imagesPerSecond > 0);
    assert.equal(measured.samples.length, 30, `${label}: one sample per training step`);
    assert.ok(retrain.training.msPerStep > 0);
    assert.equal(measured.evaluation?.images, 18);
    assert.ok(retrain.host, `${label}: the host's accuracy travelled to the page`);
    assert.ok(retrain.host.accuracy >= 0.5, `the host's head learned the colours (chance is a third): ${retrain.host.accuracy}`);
    assert.ok(Math.abs(retrain.accuracy! - retrain.host.accuracy) <= retrain.host.tolerance, `${label}: accuracy ${retrain.accuracy} vs host ${retrain.host.accuracy}`);
    assert.equal(retrain.diverged, false, `${label}: diverged`);
    assert.ok((retrain.peakRuntimeBytes ?? 0) > 0, `${label}: tf.memory() peak kept`);
    assert.equal(measured.device.extra?.backend, label.replace('tfjs-', ''), 'the page ran the backend asked for');
  }
});
