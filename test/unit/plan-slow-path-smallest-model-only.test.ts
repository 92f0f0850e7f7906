/**
 * A slow path (float16 on LiteRT.js wasm: no fast float16 kernel there) is
 * measured on the smallest retrained model only by default, with a line
 * naming the model, the variant and the flag that measures it anyway;
 * `--variants float16` or `--backends litert-wasm` brings it back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactVariant } from '../../harness/core/record.ts';
import { leftOutLine, planJobs, type ActiveTarget } from '../../harness/plan.ts';
import { engineDefaults } from '../../targets/browser/engine-defaults.ts';
import { activeTarget, chromium, host, plannedModel, type Plan } from '../helpers/plan-fixture.ts';

const models = [plannedModel('inception_v3', 299, 'tflite', ['float32', 'float16']), plannedModel('mobilenet_v2', 224, 'tflite', ['float32', 'float16'])];
const litert = [{ runtime: 'litert-wasm', format: 'tflite' as const, available: true }];
const native = [{ runtime: 'tflite-node', format: 'tflite' as const, available: true }];
const active: ActiveTarget[] = [activeTarget('node', host, native), activeTarget('browser', chromium, engineDefaults('chromium', litert))];
const jobsOf = (plan: Plan) => plan.jobs.map(({ job }) => `${job.artifact.id} ${job.runtime}`).sort();
const both = ['inception_v3', 'mobilenet_v2'];

test('default: InceptionV3 float16 left out on litert-wasm only, with a line naming --variants float16', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: both }), '/tmp/x');
  assert.deepEqual(jobsOf(plan), [
    'inception_v3/tflite/float16 tflite-node',
    'inception_v3/tflite/float32 litert-wasm',
    'inception_v3/tflite/float32 tflite-node',
    'mobilenet_v2/tflite/float16 litert-wasm',
    'mobilenet_v2/tflite/float16 tflite-node',
    'mobilenet_v2/tflite/float32 litert-wasm',
    'mobilenet_v2/tflite/float32 tflite-node',
  ]);
  assert.deepEqual(plan.leftOut.map(leftOutLine), [
    "litert-wasm on Chromium 156: inception_v3's float16 not measured (LiteRT.js wasm has no fast float16 path: 4–9× slower than float32 there; mobilenet_v2's float16 row says so); --variants float16 to measure it anyway",
  ]);
});

test('planned one model at a time (bench all streams): still left out', async () => {
  const plan = await planJobs([models[0]!], active, parseConfig({ out: '/tmp/x', models: both }), '/tmp/x');
  assert.ok(!jobsOf(plan).includes('inception_v3/tflite/float16 litert-wasm'));
  assert.equal(plan.leftOut.length, 1);
});

test('--variants float16 measures it', async () => {
  const plan = await planJobs([plannedModel('inception_v3', 299, 'tflite', ['float16'])], active, parseConfig({ out: '/tmp/x', models: both, convert: { variants: ['float16'] } }), '/tmp/x');
  assert.deepEqual(jobsOf(plan), ['inception_v3/tflite/float16 litert-wasm', 'inception_v3/tflite/float16 tflite-node']);
  assert.deepEqual(plan.leftOut, []);
});

test('--backends litert-wasm measures it', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: both, run: { backends: ['litert-wasm'] } }), '/tmp/x');
  assert.ok(jobsOf(plan).includes('inception_v3/tflite/float16 litert-wasm'));
  assert.deepEqual(plan.leftOut, []);
});

test('a run of one model measures its float16 (it is the smallest)', async () => {
  const plan = await planJobs([models[0]!], active, parseConfig({ out: '/tmp/x', models: ['inception_v3'] }), '/tmp/x');
  assert.ok(jobsOf(plan).includes('inception_v3/tflite/float16 litert-wasm'));
});

test("int8-dynamic on tflite-node (XNNPACK takes none of its hybrid convolutions): InceptionV3's left out with --variants int8-dynamic named; LiteRT.js wasm's kept", async () => {
  const variants: ArtifactVariant[] = ['float32', 'int8-dynamic'];
  const quantized = [plannedModel('inception_v3', 299, 'tflite', variants), plannedModel('mobilenet_v2', 224, 'tflite', variants)];
  const plan = await planJobs(quantized, active, parseConfig({ out: '/tmp/x', models: both }), '/tmp/x');
  assert.ok(!jobsOf(plan).includes('inception_v3/tflite/int8-dynamic tflite-node'));
  assert.ok(jobsOf(plan).includes('mobilenet_v2/tflite/int8-dynamic tflite-node'), 'the smallest model keeps its row');
  assert.ok(jobsOf(plan).includes('inception_v3/tflite/int8-dynamic litert-wasm'), 'a fast path elsewhere is kept');
  assert.deepEqual(plan.leftOut.map(leftOutLine), [
    "tflite-node on this host: inception_v3's int8-dynamic not measured (XNNPACK takes none of TFLite's hybrid int8 convolutions: 4–20× slower than float32 there; mobilenet_v2's int8-dynamic row says so); --variants int8-dynamic to measure it anyway",
  ]);
  const named = await planJobs(quantized, active, parseConfig({ out: '/tmp/x', models: both, convert: { variants: ['int8-dynamic'] } }), '/tmp/x');
  assert.ok(jobsOf(named).includes('inception_v3/tflite/int8-dynamic tflite-node'), '--variants int8-dynamic brings it back');
});
