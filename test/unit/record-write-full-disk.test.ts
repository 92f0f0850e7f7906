/**
 * A full disk while writing (ENOSPC, here from the kernel's /dev/full
 * through the writer's seam) is one line naming the file, the temporary
 * file is removed, and the previous version of the file is intact.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { UserError } from '../../harness/core/errors.ts';
import { writeFileAtomic, type WriteData } from '../../harness/core/safe-fs.ts';
import { RunRecordStore } from '../../harness/record-store.ts';
import { record } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Writes where the kernel always answers "no space left on device". */
const fullDisk: WriteData = (_fd, data) => {
  const full = openSync('/dev/full', 'w');
  try {
    writeSync(full, data);
  } finally {
    closeSync(full);
  }
};

const noSpace = (path: string) => (error: unknown) =>
  error instanceof UserError &&
  error.code === 'WRITE_FAILED' &&
  !error.message.includes('\n') &&
  new RegExp(`^cannot write ${path}: no space left on the device \\(ENOSPC\\); the partial file \\.run\\.json\\.[0-9a-f]+\\.tmp was removed$`).test(error.message);

test('a full disk leaves no temporary file and the previous version intact', { skip: process.platform !== 'linux' && 'needs /dev/full' }, async () => {
  const root = await tempDir('full-disk');
  try {
    const path = join(root, 'run.json');
    writeFileAtomic(path, '{"version":1}\n', { inside: root });
    assert.throws(() => writeFileAtomic(path, '{"version":2}\n', { inside: root, write: fullDisk }), noSpace(path));
    assert.deepEqual(readdirSync(root), ['run.json']);
    assert.equal(readFileSync(path, 'utf8'), '{"version":1}\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the run record on a full disk: one line, and nothing half-written in its folder', { skip: process.platform !== 'linux' && 'needs /dev/full' }, async () => {
  const root = await tempDir('full-disk-record');
  try {
    const runId = '2026-01-01T00-00-00-000Z-abcdef';
    const host = record({ runId: 'x' }).host;
    assert.throws(
      () => RunRecordStore.create(root, { runId, host, config: parseConfig({}), artifacts: [], training: [], runtimeSizes: [] }, { key: { reason: 'none' }, write: fullDisk }),
      noSpace(join(root, 'runs', runId, 'run.json')),
    );
    mkdirSync(join(root, 'runs', runId), { recursive: true });
    assert.deepEqual(readdirSync(join(root, 'runs', runId)), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
