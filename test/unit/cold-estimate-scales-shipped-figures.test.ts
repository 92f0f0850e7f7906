/**
 * Cold estimates: the figures shipped with edgebench scaled to this host by
 * the speed probe against the shipping machine's, to the run's rounds and the
 * generated dataset's size; nothing for a runtime class or model the figures
 * lack, or a user's own images.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coldBasis, jobClass, shippedDatasetSeconds, shippedHostSeconds, shippedJobSeconds } from '../../harness/cold-estimate.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ShippedEstimates } from '../../harness/shipped-estimates.ts';

const shipped: ShippedEstimates = {
  measured: { date: '2026-01-01', cpu: 'Test CPU', cores: 2, how: 'test', rounds: 2, imagesPerClass: 100 },
  probeMs: 20,
  datasetSeconds: 10,
  host: { mobilenet_v2: { bottlenecks: 8, training: 2, conversion: 5 } },
  jobs: { 'mobilenet_v2/tflite/int8@node/tflite-node#1': 4, 'mobilenet_v2/tfjs/float32@browser:chromium/tfjs-wasm#100+retrain': 6 },
};
const twiceAsSlow = coldBasis({ probeMs: 40, shipped });

test('the basis says where the figures come from and how this CPU compares', () => {
  assert.equal(twiceAsSlow.factor, 2);
  assert.equal(twiceAsSlow.line, 'cold estimates: figures shipped with edgebench (Test CPU, 2026-01-01), this CPU 2.0× slower than that one by a probe of tflite-node (XNNPACK, 1 thread)');
  assert.equal(coldBasis({ probeMs: 10, shipped }).factor, 0.5);
  assert.match(coldBasis({ probeMs: 10, shipped }).line, /2\.0× faster than/);
  assert.match(coldBasis({ probeMs: 20.5, shipped }).line, /about as fast as/);
  // Past the 15% band on either side, a factor is named.
  assert.match(coldBasis({ probeMs: 23.4, shipped }).line, /1\.2× slower than/);
  assert.match(coldBasis({ probeMs: 17.2, shipped }).line, /1\.2× faster than/);
});

test('without a probe the figures are used as measured, and the line says why', () => {
  const unprobed = coldBasis({ unprobed: 'XNNPACK plugin not built (no C compiler "cc" on PATH)', shipped });
  assert.equal(unprobed.factor, 1);
  assert.equal(unprobed.line, 'cold estimates: figures shipped with edgebench (Test CPU, 2026-01-01), as measured there: this CPU not probed (XNNPACK plugin not built (no C compiler "cc" on PATH))');
  const job = { artifact: 'mobilenet_v2/tflite/int8', target: 'node' as const, runtime: 'tflite-node', batchSize: 1 };
  assert.equal(shippedJobSeconds(job, parseConfig({ run: { rounds: 2 } }), unprobed, shipped), 4);
});

test('a job: its class figure × the speed factor × rounds over the shipped rounds; unknown classes give nothing', () => {
  const config = parseConfig({ run: { rounds: 3 } });
  const job = { artifact: 'mobilenet_v2/tflite/int8', target: 'node' as const, runtime: 'tflite-node', batchSize: 1 };
  assert.equal(jobClass(job), 'mobilenet_v2/tflite/int8@node/tflite-node#1');
  assert.equal(shippedJobSeconds(job, config, twiceAsSlow, shipped), 4 * 2 * (3 / 2));
  assert.equal(shippedJobSeconds({ artifact: 'mobilenet_v2/tfjs/float32', target: 'browser', engine: 'chromium', runtime: 'tfjs-wasm', batchSize: 100, workload: 'retrain' }, config, twiceAsSlow, shipped), 6 * 2 * 1.5);
  // Another engine is not estimated with Chromium's figure.
  assert.equal(shippedJobSeconds({ artifact: 'mobilenet_v2/tfjs/float32', target: 'browser', engine: 'firefox', runtime: 'tfjs-wasm', batchSize: 100, workload: 'retrain' }, config, twiceAsSlow, shipped), undefined);
  assert.equal(shippedJobSeconds({ ...job, target: 'android' }, config, twiceAsSlow, shipped), undefined);
});

test('host work: what is left to do, the bottlenecks scaled to the dataset; a user dataset or an unknown model gives nothing', () => {
  const config = parseConfig({ dataset: { imagesPerClass: 50 } });
  assert.equal(shippedHostSeconds('mobilenet_v2', config, twiceAsSlow, { retrained: false, converted: false }, shipped), (8 * 0.5 + 2 + 5) * 2);
  assert.equal(shippedHostSeconds('mobilenet_v2', config, twiceAsSlow, { retrained: true, converted: false }, shipped), 5 * 2);
  assert.equal(shippedHostSeconds('mobilenet_v2', config, twiceAsSlow, { retrained: true, converted: true }, shipped), 0);
  assert.equal(shippedHostSeconds('inception_v3', config, twiceAsSlow, { retrained: false, converted: false }, shipped), undefined);
  assert.equal(shippedHostSeconds('mobilenet_v2', parseConfig({ dataset: { images: 'photos' } }), twiceAsSlow, { retrained: false, converted: false }, shipped), undefined);
  assert.equal(shippedDatasetSeconds(config, twiceAsSlow, false, shipped), 10 * 0.5 * 2);
  assert.equal(shippedDatasetSeconds(config, twiceAsSlow, true, shipped), 0);
});
