/**
 * The plan is a value: the run's phases after planning (references, the
 * host retrain, preparing the targets) each take the planned jobs and return
 * new ones, never editing those they were given (frozen here, so an edit
 * throws). A phase that fails jobs returns them as failures under their
 * planned keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { ArtifactInfo, DeviceInfo } from '../../harness/core/record.ts';
import { withHostRetrain } from '../../harness/host-retrain.ts';
import { planJobs, type ActiveTarget, type PlannedJob } from '../../harness/plan.ts';
import { withReferences } from '../../harness/references.ts';
import { prepareTargets } from '../../harness/targets.ts';
import type { AgreementRequest, Target, TargetContext } from '../../targets/types.ts';

const config = parseConfig({ out: '/tmp/x', models: ['m'], run: { batchSizes: [1, 2] } });
const context: TargetContext = { config, log: memoryLogger(), out: '/tmp/x', signal: new AbortController().signal };
const artifact: ArtifactInfo = { id: 'm/tfjs/float32', model: 'm', format: 'tfjs', variant: 'float32', path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' };
const models: ModelArtifacts[] = [{ model: 'm', metadata: { model: 'm', inputSize: 8 } as ModelMetadata, artifacts: [artifact] }];
const runtimes = [{ runtime: 'tfjs-wasm', format: 'tfjs' as const, available: true }];
const device = (id: string, kind: DeviceInfo['kind']): DeviceInfo => ({ id, kind, name: id });

/** Deeply frozen: any phase that edits what it was given throws. */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const entry of Object.values(value)) frozen(entry);
  }
  return value;
}

/** Two targets' jobs (two batch sizes each), evaluating as a pack of images would make them. */
async function plannedJobs(active: ActiveTarget[]): Promise<PlannedJob[]> {
  const plan = await planJobs(models, active, config, '/tmp/x');
  return plan.jobs.map((planned) => ({ ...planned, job: { ...planned.job, kernel: { ...planned.job.kernel, evaluate: planned.job.kernel.batchSize === 1 } } }));
}

test('references: new jobs pointing at the reference the reference target made; the plan given unchanged', async () => {
  const asked: AgreementRequest[] = [];
  const node = { kind: 'node', reference: async (request: AgreementRequest) => (asked.push(request), { path: '/refs/m.json', runtime: 'tfjs-cpu', images: 3, seconds: 0, cached: true }) } as unknown as Target;
  const active: ActiveTarget[] = [{ target: node, devices: [{ device: device('host', 'node'), usable: true, runtimes }] }];
  const jobs = frozen(await plannedJobs(active));
  const { jobs: referenced, timings } = await withReferences(jobs, models, context, { active });
  assert.equal(asked.length, 1, 'one reference per model');
  assert.deepEqual(referenced.map(({ job }) => job.referencePath), ['/refs/m.json', undefined], 'only the evaluating job reads it');
  assert.deepEqual(jobs.map(({ job }) => job.referencePath), [undefined, undefined]);
  assert.deepEqual(timings, [{ model: 'm', runtime: 'tfjs-cpu', images: 3, seconds: 0, cached: true }]);
});

test('host retrain: a plan without retrain jobs comes back as it was', async () => {
  const active: ActiveTarget[] = [{ target: { kind: 'browser' } as Target, devices: [{ device: device('chromium', 'browser'), usable: true, runtimes }] }];
  const jobs = frozen(await plannedJobs(active));
  const { jobs: after, failures } = await withHostRetrain(jobs, { config, log: memoryLogger(), out: '/tmp/x', cwd: '/tmp', signal: context.signal });
  assert.deepEqual(after, jobs);
  assert.deepEqual(failures, []);
});

test('prepare: a target that cannot prepare fails its jobs under their planned keys; the other target keeps its jobs', async () => {
  const broken = { kind: 'browser', prepare: () => Promise.reject(new Error('no page server')) } as unknown as Target;
  const fine = { kind: 'node', prepare: async () => {} } as unknown as Target;
  const active: ActiveTarget[] = [
    { target: broken, devices: [{ device: device('chromium', 'browser'), usable: true, runtimes }] },
    { target: fine, devices: [{ device: device('host', 'node'), usable: true, runtimes }] },
  ];
  const jobs = frozen(await plannedJobs(active));
  const prepared = await prepareTargets(active, jobs, context);
  assert.deepEqual(prepared.jobs, jobs.filter((planned) => planned.target === fine));
  assert.deepEqual(
    prepared.failures.map((failure) => [failure.key, failure.phase, failure.error.message]),
    jobs.filter((planned) => planned.target === broken).map((planned) => [planned.job.key, 'setup', 'no page server']),
  );
  assert.equal(jobs.length, 4, 'the plan given still has every job');
});
