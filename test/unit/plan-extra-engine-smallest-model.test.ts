/**
 * An extra browser engine (its runtimes with a default scope) measures the
 * smallest retrained model only in a default plan, with one line per runtime
 * saying so; Chromium's runtimes measure every model, and naming the runtime
 * in run.backends measures every model on the extra engine too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import type { DeviceInfo } from '../../harness/core/record.ts';
import { leftOutLine, planJobs, type ActiveTarget } from '../../harness/plan.ts';
import { engineDefaults } from '../../targets/browser/engine-defaults.ts';
import { activeTarget, chromium, plannedModel, type Plan } from '../helpers/plan-fixture.ts';

const firefox: DeviceInfo = { id: 'firefox-153', kind: 'browser', name: 'Firefox 153.8.0' };
// Config order puts the larger first: the smallest is chosen by input size, not by order.
const models = [plannedModel('inception_v3', 299), plannedModel('mobilenet_v2', 224)];
const statuses = [{ runtime: 'litert-wasm', format: 'tflite' as const, available: true }];
const active: ActiveTarget[] = [activeTarget('browser', firefox, engineDefaults('firefox', statuses)), activeTarget('browser', chromium, engineDefaults('chromium', statuses))];
const jobsOf = (plan: Plan) => plan.jobs.map(({ job }) => `${job.artifact.id} ${job.device.id}`);

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
