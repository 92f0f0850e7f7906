/**
 * Accuracy is reused only from records this harness wrote: each run.json
 * the record store writes is signed (run.json.mac, HMAC-SHA256 with a key
 * kept in the user's private cache), and a planted run.json, a signed one
 * edited afterwards, or one signed with another key is ignored with one
 * info line saying why, even when it is newer than the genuine one.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { runDir } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { ensurePrivateDir } from '../../harness/core/private-dir.ts';
import { keyIn, type RecordKey } from '../../harness/core/record-mac.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { evaluationFingerprint, planEvaluations, type FingerprintContext } from '../../harness/evaluation-reuse.ts';
import { RunRecordStore } from '../../harness/record-store.ts';
import type { Job } from '../../targets/types.ts';
import { hostDevice, measurement, record, saveRecord } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

function key(dir: string): RecordKey {
  const made = keyIn(ensurePrivateDir(dir));
  assert.ok(!('reason' in made), JSON.stringify(made));
  return made;
}

test('a planted, an edited and a foreign run.json are never reused; the signed one is', async () => {
  const root = await tempDir('signed-records');
  try {
    const out = join(root, 'out');
    const mine = key(join(root, 'cache', 'keys'));
    const theirs = key(join(root, 'their-cache', 'keys'));
    assert.equal(statSync(join(root, 'cache', 'keys', 'run-record.key')).mode & 0o777, 0o600);
    assert.deepEqual(key(join(root, 'cache', 'keys')), mine, 'the same key next time');

    const packDir = join(root, 'pack');
    mkdirSync(packDir);
    writeFileSync(join(packDir, 'pack.json'), '{}');
    writeFileSync(join(packDir, 'images.u8'), new Uint8Array([1, 2, 3]));
    const job = { kernel: { batchSize: 1 }, evalPackDir: packDir, artifact: { sha256: 'a'.repeat(64), model: 'tiny' }, device: { id: 'host', name: 'host' }, runtime: 'tfjs-cpu', runtimeOptions: {} } as unknown as Job;
    const context: FingerprintContext = { code: 'code', host: record({ runId: 'x' }).host, threads: 2 };
    const fingerprint = (await evaluationFingerprint(job, 'node', context))!;
    const evaluated = (runId: string, accuracy: number, startedAt: string): RunRecord =>
      record({ runId, startedAt, measurements: [{ ...measurement({ samples: [1, 2] }), evaluation: { images: 40, accuracy, agreement: null, fingerprint } }] });

    // Genuine: written by the store, signed with my key.
    const write = (value: RunRecord, signing: RecordKey) => {
      const { runId, startedAt } = value;
      const store = RunRecordStore.create(out, { runId, startedAt, host: value.host, config: parseConfig({}), artifacts: [], training: [], runtimeSizes: [] }, { key: signing });
      store.addDevices([hostDevice]);
      for (const entry of value.measurements) store.addMeasurement(entry);
      store.finish('complete');
      return store.record;
    };
    const genuine = write(evaluated('r1', 0.5, '2026-01-01T00:00:00.000Z'), mine);
    // Planted: a run.json put there by hand, newer, with better accuracy.
    await saveRecord(out, evaluated('r2', 0.99, '2026-01-02T00:00:00.000Z'));
    // Edited: the genuine record copied with its MAC, accuracy changed.
    mkdirSync(runDir(out, 'r3'));
    writeFileSync(join(runDir(out, 'r3'), 'run.json'), readFileSync(join(runDir(out, 'r1'), 'run.json'), 'utf8').replaceAll('"r1"', '"r3"').replace('"accuracy":0.5', '"accuracy":0.98'));
    copyFileSync(join(runDir(out, 'r1'), 'run.json.mac'), join(runDir(out, 'r3'), 'run.json.mac'));
    // Foreign: written by the store, but with another user's key.
    const foreign = write(evaluated('r4', 0.97, '2026-01-04T00:00:00.000Z'), theirs);
    const planted = { ...genuine, runId: 'r2' };
    const edited = { ...genuine, runId: 'r3' };

    const plan = async (history: RunRecord[]) => {
      const log = memoryLogger();
      const planned = { job, target: { kind: 'node' } };
      const plans = await planEvaluations([planned], history, { ...context, reuse: true, out, log, key: mine });
      return { plan: plans.get(planned), lines: log.lines };
    };
    const all = await plan([genuine, planted, edited, foreign]);
    assert.equal(all.plan?.reused?.runId, 'r1');
    assert.equal(all.plan?.reused?.evaluation.accuracy, 0.5);
    assert.deepEqual(all.lines, [], 'nothing to say when the signed record answers');

    const none = await plan([planted, edited, foreign]);
    assert.equal(none.plan?.reused, undefined);
    assert.equal(none.plan?.fingerprint, fingerprint);
    assert.equal(none.lines.length, 1, none.lines.join('\n'));
    assert.match(none.lines[0]!, /accuracy not reused from run r2 \(it has no run\.json\.mac .*\); run r3 \(run\.json was changed after edgebench wrote it\); run r4 \(it was signed with another key .*\): only records this edgebench wrote and signed are trusted/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
