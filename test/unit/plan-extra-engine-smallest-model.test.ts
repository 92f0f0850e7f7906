/**
 * An extra browser engine (its runtimes with a default scope) measures the
 * smallest retrained model only in a default plan, with one line per runtime
 * saying so; Chromium's runtimes measure every model, and naming the runtime
 * in run.backends measures every model on the extra engine too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo, DeviceInfo } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { leftOutLine, planJobs, type ActiveTarget } from '../../harness/plan.ts';
import { engineDefaults } from '../../targets/browser/engine-defaults.ts';
import type { Target } from '../../targets/types.ts';

const firefox: DeviceInfo = { id: 'firefox-153', kind: 'browser', name: 'Firefox 153.8.0' };
const chromium: DeviceInfo = { id: 'chromium-156', kind: 'browser', name: 'Chromium 156' };
const model = (id: string, inputSize: number): ModelArtifacts => ({
  model: id,
  metadata: { model: id, inputSize } as ModelMetadata,
  artifacts: [{ id: `${id}/tflite/float32`, model: id, format: 'tflite', variant: 'float32', path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' } as ArtifactInfo],
});
// Config order puts the larger first: the smallest is chosen by input size, not by order.
const models = [model('inception_v3', 299), model('mobilenet_v2', 224)];
const statuses = [{ runtime: 'litert-wasm', format: 'tflite' as const, available: true }];
const active: ActiveTarget[] = [
  { target: { kind: 'browser' } as Target, devices: [{ device: firefox, usable: true, runtimes: engineDefaults('firefox', statuses) }] },
  { target: { kind: 'browser' } as Target, devices: [{ device: chromium, usable: true, runtimes: engineDefaults('chromium', statuses) }] },
];
const jobsOf = (plan: Awaited<ReturnType<typeof planJobs>>) => plan.jobs.map(({ job }) => `${job.artifact.id} ${job.device.id}`);

test('default: Firefox measures MobileNetV2 only, Chromium both, and a line names what Firefox leaves out', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['inception_v3', 'mobilenet_v2'] }), '/tmp/x');
  assert.deepEqual(jobsOf(plan), ['inception_v3/tflite/float32 chromium-156', 'mobilenet_v2/tflite/float32 firefox-153', 'mobilenet_v2/tflite/float32 chromium-156']);
  assert.ok(plan.leftOut.map(leftOutLine).includes('litert-wasm on Firefox 153.8.0: inception_v3 not measured (an extra engine measures the smallest model, mobilenet_v2, by default); --backends litert-wasm to measure it anyway'));
});

test('planned one model at a time (bench all streams), InceptionV3 still leaves Firefox out', async () => {
  const plan = await planJobs([models[0]!], active, parseConfig({ out: '/tmp/x', models: ['inception_v3', 'mobilenet_v2'] }), '/tmp/x');
  assert.deepEqual(jobsOf(plan), ['inception_v3/tflite/float32 chromium-156']);
});

test('--backends: every model on every engine', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['inception_v3', 'mobilenet_v2'], run: { backends: ['litert-wasm'] } }), '/tmp/x');
  assert.equal(plan.jobs.length, 4);
  assert.deepEqual(plan.leftOut, []);
});
