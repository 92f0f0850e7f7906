/**
 * A record a killed run left `running` (kill -9, a full disk) is marked
 * interrupted by the next command that takes the out folder's lock, with
 * its end the last time it was written; a signed one stays signed (its
 * accuracy can still be reused), an unsigned one is closed but not signed.
 * Through the CLI's setup the fix is one info line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setup } from '../../harness/commands/common.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { ensurePrivateDir } from '../../harness/core/private-dir.ts';
import { keyIn, readSignedRecord, type RecordKey } from '../../harness/core/record-mac.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { LOCK_FILE } from '../../harness/out-lock.ts';
import { closeAbandonedRuns, RunRecordStore } from '../../harness/record-store.ts';
import { record, saveRecord } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

const host = record({ runId: 'x' }).host;
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as RunRecord;

test('running records are closed as interrupted; signed ones stay signed, finished ones are untouched', async () => {
  const root = await tempDir('running-left');
  try {
    const out = join(root, 'out');
    const key = keyIn(ensurePrivateDir(join(root, 'keys'))) as RecordKey;
    // A run killed after its first write: never finished.
    const killed = RunRecordStore.create(out, { runId: 'killed', host, config: parseConfig({}), artifacts: [], training: [], runtimeSizes: [] }, { key });
    const done = RunRecordStore.create(out, { runId: 'done', host, config: parseConfig({}), artifacts: [], training: [], runtimeSizes: [] }, { key });
    done.finish('complete');
    const doneBytes = readFileSync(done.path, 'utf8');
    const unsigned = await saveRecord(out, record({ runId: 'old', status: 'running' }));

    assert.deepEqual(closeAbandonedRuns(out, { key }).sort(), ['killed', 'old']);
    const closed = read(killed.path);
    assert.equal(closed.status, 'interrupted');
    assert.match(closed.finishedAt ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.ok(!('reason' in readSignedRecord(killed.path, key)), 'still signed');
    assert.equal(read(unsigned).status, 'interrupted');
    assert.ok('reason' in readSignedRecord(unsigned, key), 'not vouched for by closing it');
    assert.equal(readFileSync(done.path, 'utf8'), doneBytes);
    assert.deepEqual(closeAbandonedRuns(out, { key }), [], 'nothing left running');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("the next locking command closes a killed run's record with one line", async () => {
  const root = await tempDir('running-left-setup');
  try {
    const out = join(root, 'out');
    await saveRecord(out, record({ runId: 'killed-run', status: 'running' }));
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), command: 'bench run', startedAt: 'then' }));
    const lines: string[] = [];
    const io = { cwd: root, stdout: () => {}, stderr: (text: string) => void lines.push(text), stdoutIsTTY: false, stderrIsTTY: false };
    const context = await setup({ out }, undefined, io, { out: 'lock', command: 'bench run' });
    context.lock?.release();
    const said = lines.join('').trim().split('\n');
    assert.ok(said.some((line) => /marked interrupted: run killed-run, left "running" by a bench that no longer runs/.test(line)), said.join('\n'));
    assert.equal(read(join(out, 'runs', 'killed-run', 'run.json')).status, 'interrupted');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
