/**
 * An A/B side's accuracy is reused as `bench run` reuses it: when a signed
 * run of that side's own out folder evaluated the same job (the same
 * fingerprint: model file, pack, code, runtime, device, limits), the side
 * is timed only and the verdict takes that evaluation, marked with the run.
 * Another artifact, another folder, a git ref's A (another commit's code)
 * or `--reevaluate` evaluate afresh; the pair kernel then evaluates only the
 * sides that were not reused.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyReader, mergedEvaluation, reusedEvaluations, withoutReused, type AbSideJob } from '../../harness/ab-evaluations.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { hostInfo } from '../../harness/core/host.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { ensurePrivateDir } from '../../harness/core/private-dir.ts';
import { keyIn, type RecordKey } from '../../harness/core/record-mac.ts';
import type { Evaluation } from '../../harness/core/record.ts';
import { codeIdentity, evaluationFingerprint } from '../../harness/evaluation-reuse.ts';
import { RunRecordStore } from '../../harness/record-store.ts';
import { measurePair, type PairSide } from '../../targets/kernel/index.ts';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import type { Job } from '../../targets/types.ts';
import { hostDevice, measurement } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

function key(dir: string): RecordKey {
  const made = keyIn(ensurePrivateDir(dir));
  assert.ok(!('reason' in made), JSON.stringify(made));
  return made;
}

test('a side whose own folder holds a signed evaluation of the same job reuses it; anything else evaluates', async () => {
  const root = await tempDir('ab-reuse');
  try {
    const mine = key(join(root, 'cache', 'keys'));
    const packDir = join(root, 'pack');
    mkdirSync(packDir);
    writeFileSync(join(packDir, 'pack.json'), '{}');
    writeFileSync(join(packDir, 'images.u8'), new Uint8Array([1, 2, 3]));
    const job = (sha: string) => ({ kernel: { batchSize: 1, evaluate: true }, evalPackDir: packDir, artifact: { sha256: sha.repeat(64), model: 'tiny' }, device: { id: 'host', name: 'host' }, runtime: 'tfjs-cpu', runtimeOptions: {} }) as unknown as Job;
    const config = parseConfig({});
    const context = { code: await codeIdentity(), host: hostInfo(), threads: config.run.threads ?? availableParallelism() };

    // The baseline folder: one signed bench run that evaluated A's file (accuracy 0.75).
    const baseline = join(root, 'baseline');
    const fingerprint = (await evaluationFingerprint(job('a'), 'node', context))!;
    const store = RunRecordStore.create(baseline, { runId: 'r1', startedAt: '2026-01-01T00:00:00.000Z', host: context.host, config, artifacts: [], training: [], runtimeSizes: [] }, { key: mine });
    store.addDevices([hostDevice]);
    store.addMeasurement({ ...measurement({ samples: [1, 2] }), evaluation: { images: 8, accuracy: 0.75, agreement: null, fingerprint } });
    store.finish('complete');
    const current = join(root, 'current');

    const reuse = (sides: Record<'a' | 'b', AbSideJob>, reevaluate = false) =>
      reusedEvaluations(sides, historyReader(mine), { config: reevaluate ? parseConfig({ run: { reuseEvaluations: false } }) : config, log: memoryLogger(), target: 'node' });

    const found = await reuse({ a: { job: job('a'), out: baseline }, b: { job: job('b'), out: current } });
    assert.equal(found.a?.accuracy, 0.75);
    assert.equal(found.a?.reusedFrom, 'r1');
    assert.equal(found.a?.fingerprint, fingerprint);
    assert.equal(found.b, undefined, 'B: its folder has no run');

    assert.deepEqual(await reuse({ a: { job: job('c'), out: baseline }, b: { job: job('b'), out: current } }), {}, 'another file: another fingerprint');
    assert.deepEqual(await reuse({ a: { job: job('a'), out: current }, b: { job: job('a'), out: current } }), {}, "only the side's own folder counts");
    assert.deepEqual(await reuse({ a: { job: job('a'), out: null }, b: { job: job('b'), out: current } }), {}, "a git ref's A runs another commit's code");
    assert.deepEqual(await reuse({ a: { job: job('a'), out: baseline }, b: { job: job('b'), out: current } }, true), {}, '--reevaluate');

    // The target gets A timed only; the verdict takes what was evaluated, else the reused one.
    const jobs = withoutReused({ a: { kernel: { evaluate: true } }, b: { kernel: { evaluate: true } } }, found);
    assert.deepEqual([jobs.a.kernel.evaluate, jobs.b.kernel.evaluate], [false, true]);
    const fresh: Evaluation = { images: 8, accuracy: 0.5, agreement: null };
    assert.deepEqual(mergedEvaluation({ a: null, b: fresh }, found), { a: found.a, b: fresh });
    assert.equal(mergedEvaluation(undefined, {}), undefined, 'no evaluation anywhere: none in the verdict');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the pair kernel evaluates only the sides not reused', async () => {
  // Two 1-pixel images, labels x y.
  const pack: EvalPack = { model: 'scripted', count: 2, height: 1, width: 1, images: new Uint8Array(6), labels: [0, 1], files: ['0', '1'], classNames: ['x', 'y'] };
  const evaluated: string[] = [];
  const side = (name: 'a' | 'b', reused: boolean): PairSide => ({
    pack,
    ...(reused ? { evaluate: false as const } : {}),
    load: async () => ({
      async run(_pixels, batch) {
        evaluated.push(name);
        return new Float32Array(batch * 2).fill(0.5);
      },
      async dispose() {},
    }),
  });
  const options = { batchSize: 1, warmupIterations: 0, minSamples: 2, minTimeMs: 0, maxTimeMs: 1000 };
  const result = await measurePair({ a: side('a', true), b: side('b', false), options, seed: 1, first: 'a', evaluate: true });
  assert.equal(result.evaluation?.a, null, 'A reused: not evaluated');
  assert.equal(result.evaluation?.b?.images, 2);
  // The loop runs both sides alike (first inference and 2 pairs: 3 each); only B ran the 2 evaluation images after.
  assert.deepEqual([evaluated.filter((name) => name === 'a').length, evaluated.filter((name) => name === 'b').length], [3, 5]);
});
