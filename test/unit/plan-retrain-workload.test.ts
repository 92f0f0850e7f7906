/**
 * The plan of the retrain workload: `--workload infer,retrain` asks for both;
 * one retrain job per retrained model and runtime that trains (TF.js), with
 * the host's hyper-parameters and the workload's size in its key; the Lite
 * path and other inference-only runtimes get one line saying they have no
 * training runtime; software GPUs stay out unless named; `bench run`
 * measures inference only by default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo, DeviceInfo } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { planJobs, type ActiveTarget } from '../../harness/plan.ts';
import { runOverrides } from '../../harness/commands/run.ts';
import type { Target } from '../../targets/types.ts';

const device: DeviceInfo = { id: 'chromium-156', kind: 'browser', name: 'Chromium 156' };
const artifact = (format: 'tfjs' | 'tflite', variant: ArtifactInfo['variant']): ArtifactInfo => ({ id: `mobilenet_v2/${format}/${variant}`, model: 'mobilenet_v2', format, variant, path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' });
const models: ModelArtifacts[] = [{ model: 'mobilenet_v2', metadata: { model: 'mobilenet_v2', inputSize: 224 } as ModelMetadata, artifacts: [artifact('tfjs', 'float32'), artifact('tflite', 'float32'), artifact('tflite', 'int8')] }];
const active: ActiveTarget[] = [
  {
    target: { kind: 'browser' } as Target,
    devices: [
      {
        device,
        usable: true,
        runtimes: [
          { runtime: 'tfjs-wasm', format: 'tfjs', available: true, trains: true },
          { runtime: 'tfjs-webgl', format: 'tfjs', available: true, trains: true, software: 'software renderer (SwiftShader)' },
          { runtime: 'litert-wasm', format: 'tflite', available: true },
        ],
      },
    ],
  },
];

test('--workload infer,retrain sets run.workloads; bench run alone plans inference only', async () => {
  assert.deepEqual((runOverrides({ workload: 'infer,retrain' }).values as { run: { workloads: string[] } }).run.workloads, ['infer', 'retrain']);
  const plan = await planJobs(models, active, parseConfig({ out: '/tmp/x' }), '/tmp/x');
  assert.ok(plan.jobs.length > 0);
  assert.ok(plan.jobs.every(({ job }) => job.workload === undefined && job.retrain === undefined));
  assert.deepEqual(plan.retrainNotes, []);
});

test('retrain only: one job per trainable runtime with the host hyper-parameters; the Lite runtime gets one line; a software GPU only when named', async () => {
  const config = parseConfig({ out: '/tmp/x', models: ['mobilenet_v2'], run: { workloads: ['retrain'] }, retrain: { learningRate: 0.01, optimizer: 'sgd', batchSize: 50 }, retrainWorkload: { images: 16, steps: 40 } });
  const plan = await planJobs(models, active, config, '/tmp/x');
  assert.deepEqual(plan.jobs.map(({ job }) => job.runtime), ['tfjs-wasm'], 'SwiftShader WebGL stays out of the default plan');
  const { job } = plan.jobs[0]!;
  assert.equal(job.workload, 'retrain');
  assert.equal(job.artifact.format, 'tfjs');
  assert.equal(job.kernel.batchSize, 50);
  assert.deepEqual(job.runtimeOptions, { steps: 40, images: 16 });
  assert.deepEqual(
    { learningRate: job.retrain!.settings.learningRate, optimizer: job.retrain!.settings.optimizer, batchSize: job.retrain!.settings.batchSize, steps: job.retrain!.settings.steps, seed: job.retrain!.settings.seed },
    { learningRate: 0.01, optimizer: 'sgd', batchSize: 50, steps: 40, seed: config.dataset.seed },
  );
  assert.match(job.retrain!.packDir, /mobilenet_v2[/\\]train-pack$/);
  assert.equal(plan.retrainNotes.length, 1);
  assert.match(plan.retrainNotes[0]!, /Chromium 156: no retrain job on litert-wasm: no training runtime/);

  const named = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['mobilenet_v2'], run: { workloads: ['retrain'], backends: ['tfjs-webgl'] } }), '/tmp/x');
  assert.deepEqual(named.jobs.map(({ job }) => job.runtime), ['tfjs-webgl']);
  assert.equal(named.jobs[0]!.job.device.extra?.software, 'software renderer (SwiftShader)');
});

test('both workloads: the inference jobs and the retrain jobs side by side; a user model gets a line, no retrain job', async () => {
  const config = parseConfig({ out: '/tmp/x', models: ['mobilenet_v2'], run: { workloads: ['infer', 'retrain'] } });
  const plan = await planJobs(models, active, config, '/tmp/x');
  const kinds = plan.jobs.map(({ job }) => `${job.runtime}:${job.workload ?? 'infer'}:${job.artifact.variant}`);
  assert.deepEqual(kinds.sort(), ['litert-wasm:infer:float32', 'litert-wasm:infer:int8', 'tfjs-wasm:infer:float32', 'tfjs-wasm:retrain:float32']);

  const user = await planJobs(models, active, parseConfig({ out: '/tmp/x', models: ['./my/model.json'], run: { workloads: ['retrain'] } }), '/tmp/x');
  assert.deepEqual(user.jobs, []);
  assert.match(user.retrainNotes[0]!, /mobilenet_v2: no retrain job, it is not a model edgebench retrained/);
});
