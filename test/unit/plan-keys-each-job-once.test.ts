/**
 * The plan decides each job's key once: every planned job carries the key its
 * target's `keyOptions` gives it (asked once per job), the batch size and the
 * job's own options when the target has no hook, and `retrain` in a retrain
 * job's key. A result built from the job, a failure as much as a
 * measurement, is filed under that key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo, DeviceInfo } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { planJobs, type ActiveTarget } from '../../harness/plan.ts';
import { failure } from '../../targets/result.ts';
import type { JobSpec, KeyOptions, Target } from '../../targets/types.ts';

const device: DeviceInfo = { id: 'phone-1', kind: 'android', name: 'Phone', cores: 8 };
const artifact: ArtifactInfo = { id: 'm/tfjs/float32', model: 'm', format: 'tfjs', variant: 'float32', path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' };
const models: ModelArtifacts[] = [{ model: 'm', metadata: { model: 'm', inputSize: 224 } as ModelMetadata, artifacts: [artifact] }];
const runtimes = [{ runtime: 'tfjs-wasm', format: 'tfjs' as const, available: true, trains: true }];
const config = parseConfig({ out: '/tmp/x', models: ['m'], run: { batchSizes: [1, 4], workloads: ['infer', 'retrain'], threads: 3 }, retrain: { batchSize: 16 }, retrainWorkload: { images: 16, steps: 40 } });

test('a target with keyOptions: each job keyed by it, once, with the config it plans with', async () => {
  const asked: JobSpec[] = [];
  const target = {
    kind: 'android',
    keyOptions(job: JobSpec, runConfig): KeyOptions {
      asked.push(job);
      return { batch: job.kernel.batchSize, threads: runConfig.run.threads ?? 0, simd: true, ...job.runtimeOptions };
    },
  } as Target;
  const active: ActiveTarget[] = [{ target, devices: [{ device, usable: true, runtimes }] }];
  const plan = await planJobs(models, active, config, '/tmp/x');
  assert.equal(plan.jobs.length, 3, 'two batch sizes and a retrain job');
  assert.equal(asked.length, plan.jobs.length, 'asked once per job');
  const keys = plan.jobs.map(({ job }) => job.key);
  assert.deepEqual(keys[0], { model: 'm', format: 'tfjs', variant: 'float32', target: 'android', device: 'phone-1', runtime: 'tfjs-wasm', options: { batch: 1, threads: 3, simd: true } });
  assert.deepEqual(keys[1]!.options, { batch: 4, threads: 3, simd: true });
  assert.deepEqual(keys[2], { model: 'm', format: 'tfjs', variant: 'float32', target: 'android', device: 'phone-1', runtime: 'tfjs-wasm', options: { batch: 16, threads: 3, simd: true, steps: 40, images: 16 }, workload: 'retrain' });
});

test('a target without keyOptions: the batch size, then the job options; a failure carries the planned key', async () => {
  const active: ActiveTarget[] = [{ target: { kind: 'browser' } as Target, devices: [{ device: { ...device, kind: 'browser' }, usable: true, runtimes }] }];
  const plan = await planJobs(models, active, config, '/tmp/x');
  assert.deepEqual(
    plan.jobs.map(({ job }) => job.key.options),
    [{ batch: 1 }, { batch: 4 }, { batch: 16, steps: 40, images: 16 }],
  );
  const { job } = plan.jobs[0]!;
  const failed = failure({ ...job, runtimeOptions: { changed: true } }, 'setup', new Error('gone'));
  assert.equal(failed.key, job.key, 'the planned key itself, not one rebuilt from the job options');
});
