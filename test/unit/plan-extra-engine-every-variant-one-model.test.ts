/**
 * A run of one model (`bench all --model mobilenet_v2`) measures every
 * variant of the extra engines' default runtimes (tfjs-wasm, litert-wasm in
 * Firefox and WebKit), still without a retrain job there and with a plan line
 * saying so; the default run of two models keeps them to float32 (its
 * 10-minute goal), and the other runtimes stay opt-in either way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo, ArtifactVariant, DeviceInfo } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { leftOutLine, planJobs, type ActiveTarget } from '../../harness/plan.ts';
import { engineDefaults, everyVariantIn } from '../../targets/browser/engine-defaults.ts';
import type { Target } from '../../targets/types.ts';

const device: DeviceInfo = { id: 'webkit-605', kind: 'browser', name: 'WebKit 605.1.15' };
const artifact = (format: 'tflite' | 'tfjs', variant: ArtifactVariant): ArtifactInfo => ({ id: `m/${format}/${variant}`, model: 'm', format, variant, path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' });
const models: ModelArtifacts[] = [{ model: 'm', metadata: { model: 'm', inputSize: 224 } as ModelMetadata, artifacts: [artifact('tflite', 'float32'), artifact('tflite', 'float16'), artifact('tflite', 'int8-dynamic'), artifact('tflite', 'int8'), artifact('tfjs', 'float32')] }];
const statuses = [
  { runtime: 'litert-wasm', format: 'tflite' as const, available: true },
  { runtime: 'tfjs-wasm', format: 'tfjs' as const, available: true, trains: true },
  { runtime: 'tfjs-webgl', format: 'tfjs' as const, available: true, trains: true },
];
const activeWith = (everyVariant: boolean): ActiveTarget[] => [{ target: { kind: 'browser' } as Target, devices: [{ device, usable: true, runtimes: engineDefaults('webkit', statuses, { everyVariant }) }] }];

test('one model named lifts the one-variant rule; two models (the default) keep it', () => {
  assert.equal(everyVariantIn(['mobilenet_v2']), true);
  assert.equal(everyVariantIn(parseConfig({}).models), false);
});

test('a run of one model: every variant of both paths in WebKit, no retrain job, other runtimes opt-in', async () => {
  const plan = await planJobs(models, activeWith(true), parseConfig({ out: '/tmp/x', models: ['m'], run: { workloads: ['infer', 'retrain'] } }), '/tmp/x');
  assert.deepEqual(plan.jobs.map(({ job }) => `${job.runtime} ${job.artifact.id}${job.workload === 'retrain' ? ' retrain' : ''}`), [
    'litert-wasm m/tflite/float32',
    'litert-wasm m/tflite/float16',
    'litert-wasm m/tflite/int8-dynamic',
    'litert-wasm m/tflite/int8',
    'tfjs-wasm m/tfjs/float32',
  ]);
  assert.deepEqual(plan.leftOut.map(leftOutLine), [
    "tfjs-webgl on WebKit 605.1.15: WebKit measures each path's fastest runtime by default (tfjs-wasm, litert-wasm); --backends tfjs-webgl to measure it anyway",
  ]);
  // The retrain job left out is said once, as a retrain job, with the flag that runs it (not "to measure it anyway").
  assert.equal(
    plan.retrainNotes[0],
    'WebKit 605.1.15: no retrain job on tfjs-wasm by default (an extra engine measures inference; a retrain job there would add one per model to the run); --backends tfjs-wasm runs one there (and every model and variant on it)',
  );
});

test('the default run: float32 only in WebKit', async () => {
  const plan = await planJobs(models, activeWith(false), parseConfig({ out: '/tmp/x', models: ['m'] }), '/tmp/x');
  assert.deepEqual(plan.jobs.map(({ job }) => job.artifact.id), ['m/tflite/float32', 'm/tfjs/float32']);
});
