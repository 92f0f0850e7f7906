/**
 * A warm `bench all` times an unchanged job (its evaluation reused: same
 * file, code, runtime, device and images) in one round once the out folder
 * holds the run's rounds of it, and the record and the output say so; a job
 * that changed, or a run that does not ask (`bench run`, `bench calibrate`),
 * gets every round. Real record store, signed history and scheduler; the
 * target is a stand-in that counts its calls (what it measures is not the
 * point).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { ArtifactInfo, Measurement } from '../../harness/core/record.ts';
import type { PlannedJob } from '../../harness/plan.ts';
import { kernelOptions } from '../../harness/plan.ts';
import { RunRecordStore } from '../../harness/record-store.ts';
import { measurePlan } from '../../harness/run-jobs.ts';
import { keyedJob } from '../../targets/result.ts';
import type { Job, Target } from '../../targets/types.ts';
import { hostDevice, measurement } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

test('one round for an unchanged job once the folder holds its rounds; every round otherwise', async () => {
  const out = await tempDir('warm-rounds');
  try {
    const packDir = join(out, 'pack');
    mkdirSync(packDir);
    writeFileSync(join(packDir, 'pack.json'), '{"count":40}');
    writeFileSync(join(packDir, 'images.u8'), new Uint8Array([1, 2, 3]));
    const config = parseConfig({ out, run: { rounds: 2 } });
    const calls: { sha: string; evaluate: boolean }[] = [];
    const target = {
      kind: 'node',
      async run(job: Job) {
        calls.push({ sha: job.artifact.sha256, evaluate: job.kernel.evaluate !== false });
        const measured: Measurement = { ...measurement({ samples: [5, 5.1, 5.2] }), key: job.key, artifact: job.artifact.id, evaluation: job.kernel.evaluate === false ? null : { images: 40, accuracy: 0.5, agreement: null } };
        return { ok: true as const, measurement: measured };
      },
    } as unknown as Target;
    const planned = (sha: string): PlannedJob => {
      const artifact = { id: 'tiny/tflite/float32', model: 'tiny', format: 'tflite', variant: 'float32', path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: sha } as ArtifactInfo;
      return { target, job: keyedJob(target, { artifact, metadata: { model: 'tiny' } as Job['metadata'], evalPackDir: packDir, device: hostDevice, runtime: 'tflite-node', kernel: kernelOptions(config, 1, true), runtimeOptions: {} }, config) };
    };
    const run = async (sha: string, oneRoundWhenUnchanged: boolean) => {
      calls.length = 0;
      const log = memoryLogger();
      const store = RunRecordStore.create(out, { host: { cpu: 'Test CPU', cores: 2, os: 'Linux', node: process.version } as never, config, artifacts: [], training: [], runtimeSizes: [] });
      store.addDevices([hostDevice]);
      const timings = await measurePlan([planned(sha)], { config, log, out, signal: new AbortController().signal }, store, { oneRoundWhenUnchanged });
      store.finish('complete');
      return { record: store.record, lines: log.lines.join('\n'), rounds: calls.length, evaluated: calls.filter((call) => call.evaluate).length, timings };
    };

    const cold = await run('a'.repeat(64), true);
    assert.deepEqual([cold.rounds, cold.evaluated], [2, 1], 'nothing in the folder yet: both rounds, one evaluation');
    assert.equal(cold.record.measurements[0]!.unchangedSince, undefined);

    const warm = await run('a'.repeat(64), true);
    assert.deepEqual([warm.rounds, warm.evaluated], [1, 0], 'unchanged: one round, accuracy reused');
    const [kept] = warm.record.measurements;
    assert.equal(kept!.rounds?.length, 1);
    assert.equal(kept!.unchangedSince, cold.record.runId);
    assert.equal(warm.timings[0]!.unchangedSince, cold.record.runId);
    assert.match(warm.lines, new RegExp(`1 unchanged since run ${cold.record.runId} timed in one round`));

    // bench run / calibrate do not ask: every round, though nothing changed.
    const plain = await run('a'.repeat(64), false);
    assert.deepEqual([plain.rounds, plain.evaluated], [2, 0]);

    // Another artifact (a new commit's file): a new fingerprint, every round and an evaluation.
    const changed = await run('b'.repeat(64), true);
    assert.deepEqual([changed.rounds, changed.evaluated], [2, 1]);
    assert.doesNotMatch(changed.lines, /timed in one round/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
