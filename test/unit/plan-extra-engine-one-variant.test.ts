/**
 * A runtime whose status names default variants (an extra browser engine's
 * litert-wasm) gets only those artifacts in a default plan, with a plan line
 * saying so; naming runtimes in run.backends plans every variant.
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
const models: ModelArtifacts[] = [{ model: 'm', metadata: { model: 'm', inputSize: 224 } as ModelMetadata, artifacts: [lite('float32'), lite('float16'), lite('int8')] }];
const runtimes = engineDefaults('firefox', [{ runtime: 'litert-wasm', format: 'tflite', available: true }]);
const active: ActiveTarget[] = [{ target: { kind: 'browser' } as Target, devices: [{ device, usable: true, runtimes }] }];

test('default: the float32 artifact only, and a line saying why', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['m'] }), '/tmp/x');
  assert.deepEqual(plan.jobs.map(({ job }) => job.artifact.variant), ['float32']);
  assert.deepEqual(plan.leftOut.map(leftOutLine), ["litert-wasm on Firefox 153.8.0: only the float32 artifact (Firefox measures one variant per path by default); --backends litert-wasm to measure it anyway"]);
});

test('--backends litert-wasm: every variant', async () => {
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['m'], run: { backends: ['litert-wasm'] } }), '/tmp/x');
  assert.deepEqual(plan.jobs.map(({ job }) => job.artifact.variant), ['float32', 'float16', 'int8']);
  assert.deepEqual(plan.leftOut, []);
});
