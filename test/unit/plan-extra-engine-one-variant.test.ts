/**
 * A runtime whose status names default variants (an extra browser engine's
 * litert-wasm) gets only those artifacts and no retrain job in a default
 * plan, with a plan line saying so; naming runtimes in run.backends plans
 * every variant and the retrain job.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo, ArtifactVariant, DeviceInfo } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { leftOutLine, planJobs, type ActiveTarget } from '../../harness/plan.ts';
import { engineDefaults } from '../../targets/browser/engine-defaults.ts';
import type { Target } from '../../targets/types.ts';

const device: DeviceInfo = { id: 'firefox-153', kind: 'browser', name: 'Firefox 153.8.0' };
const lite = (variant: ArtifactVariant): ArtifactInfo => ({ id: `m/tflite/${variant}`, model: 'm', format: 'tflite', variant, path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' });
const models: ModelArtifacts[] = [{ model: 'm', metadata: { model: 'm', inputSize: 224 } as ModelMetadata, artifacts: [lite('float32'), lite('float16'), lite('int8'), { ...lite('float32'), id: 'm/tfjs/float32', format: 'tfjs' }] }];
const runtimes = engineDefaults('firefox', [
  { runtime: 'litert-wasm', format: 'tflite', available: true },
  { runtime: 'tfjs-wasm', format: 'tfjs', available: true, trains: true },
]);
const active: ActiveTarget[] = [{ target: { kind: 'browser' } as Target, devices: [{ device, usable: true, runtimes }] }];

test('default: the float32 artifact of each path, no retrain job, and lines saying why', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['m'], run: { workloads: ['infer', 'retrain'] } }), '/tmp/x');
  assert.deepEqual(plan.jobs.map(({ job }) => job.artifact.id), ['m/tflite/float32', 'm/tfjs/float32']);
  assert.deepEqual(plan.leftOut.map(leftOutLine), [
    'litert-wasm on Firefox 153.8.0: only the float32 artifact (Firefox measures one variant per path by default; a run of one model measures every variant); --backends litert-wasm to measure it anyway',
    'tfjs-wasm on Firefox 153.8.0: only the float32 artifact (Firefox measures one variant per path by default; a run of one model measures every variant); --backends tfjs-wasm to measure it anyway',
  ]);
  assert.match(plan.retrainNotes.join('\n'), /Firefox 153\.8\.0: no retrain job on tfjs-wasm by default/);
});

test('--backends: every variant, and the retrain job', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['m'], run: { backends: ['litert-wasm', 'tfjs-wasm'], workloads: ['infer', 'retrain'] } }), '/tmp/x');
  assert.deepEqual(plan.jobs.map(({ job }) => `${job.artifact.id}${job.workload === 'retrain' ? ' retrain' : ''}`), ['m/tflite/float32', 'm/tflite/float16', 'm/tflite/int8', 'm/tfjs/float32', 'm/tfjs/float32 retrain']);
  assert.deepEqual(plan.leftOut, []);
});
