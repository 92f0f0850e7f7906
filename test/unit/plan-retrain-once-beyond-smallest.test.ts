/**
 * Beyond the smallest retrained model, a runtime's retrain job is measured
 * once, on the page: Node's tfjs-wasm retrain of InceptionV3 repeats
 * Chromium's (the same TF.js kernels). The plan says so in a "left out" line
 * with the flag that measures it anyway; `--backends tfjs-wasm` does, and the
 * smallest model keeps both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo, DeviceInfo } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { leftOutLine, planJobs, type ActiveTarget } from '../../harness/plan.ts';
import type { Target } from '../../targets/types.ts';

const chromium: DeviceInfo = { id: 'chromium-156', kind: 'browser', name: 'Chromium 156' };
const host: DeviceInfo = { id: 'host', kind: 'node', name: 'this host' };
const model = (id: string, inputSize: number): ModelArtifacts => ({
  model: id,
  metadata: { model: id, inputSize } as ModelMetadata,
  artifacts: [{ id: `${id}/tfjs/float32`, model: id, format: 'tfjs', variant: 'float32', path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' } as ArtifactInfo],
});
const models = [model('mobilenet_v2', 224), model('inception_v3', 299)];
const wasm = [{ runtime: 'tfjs-wasm', format: 'tfjs' as const, available: true, trains: true }];
const node: ActiveTarget = { target: { kind: 'node' } as Target, devices: [{ device: host, usable: true, runtimes: wasm }] };
const browser: ActiveTarget = { target: { kind: 'browser' } as Target, devices: [{ device: chromium, usable: true, runtimes: wasm }] };
const both = ['mobilenet_v2', 'inception_v3'];
const retrainJobs = (plan: Awaited<ReturnType<typeof planJobs>>) => plan.jobs.map(({ job }) => `${job.artifact.model} ${job.device.id}`).sort();

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
