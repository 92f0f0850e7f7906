/**
 * Beyond the smallest retrained model, a runtime's retrain job is measured
 * once, on the page: Node's tfjs-wasm retrain of InceptionV3 repeats
 * Chromium's (the same TF.js kernels). The plan says so in a "left out" line
 * with the flag that measures it anyway; `--backends tfjs-wasm` does, and the
 * smallest model keeps both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { leftOutLine, planJobs } from '../../harness/plan.ts';
import { activeTarget, chromium, host, plannedModel, type Plan } from '../helpers/plan-fixture.ts';

const models = [plannedModel('mobilenet_v2', 224, 'tfjs'), plannedModel('inception_v3', 299, 'tfjs')];
const wasm = [{ runtime: 'tfjs-wasm', format: 'tfjs' as const, available: true, trains: true }];
const node = activeTarget('node', host, wasm);
const browser = activeTarget('browser', chromium, wasm);
const both = ['mobilenet_v2', 'inception_v3'];
const retrainJobs = (plan: Plan) => plan.jobs.map(({ job }) => `${job.artifact.model} ${job.device.id}`).sort();

test("InceptionV3's retrain on Node's tfjs-wasm is left out where Chromium retrains it; MobileNetV2 keeps both", async () => {
  const plan = await planJobs(models, [node, browser], parseConfig({ out: '/tmp/x', models: both, run: { workloads: ['retrain'] } }), '/tmp/x');
  assert.deepEqual(retrainJobs(plan), ['inception_v3 chromium-156', 'mobilenet_v2 chromium-156', 'mobilenet_v2 host']);
  assert.deepEqual(plan.leftOut.map(leftOutLine), [
    "tfjs-wasm on this host: inception_v3's retrain job not measured (the same tfjs-wasm kernels as its retrain job on Chromium 156; mobilenet_v2's retrain rows on both say how they compare); --backends tfjs-wasm to measure it anyway",
  ]);
});

test('--backends tfjs-wasm measures it; without a browser, Node keeps its retrain job', async () => {
  const named = await planJobs(models, [node, browser], parseConfig({ out: '/tmp/x', models: both, run: { workloads: ['retrain'], backends: ['tfjs-wasm'] } }), '/tmp/x');
  assert.equal(retrainJobs(named).length, 4);
  assert.deepEqual(named.leftOut, []);
  const alone = await planJobs(models, [node], parseConfig({ out: '/tmp/x', models: both, run: { workloads: ['retrain'] } }), '/tmp/x');
  assert.deepEqual(retrainJobs(alone), ['inception_v3 host', 'mobilenet_v2 host']);
});
