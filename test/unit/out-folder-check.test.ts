/**
 * The out folder is checked before long work starts: a file in its place,
 * a parent that is a file, or a folder that cannot be written is one line
 * naming the path. File-system errors anywhere else print as one line too.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { describeFsError } from '../../harness/core/fs-errors.ts';
import { checkOutFolder } from '../../harness/out-folder.ts';
import { tempDir } from '../helpers/tmp.ts';

function unusable(pattern: RegExp) {
  return (error: unknown) => error instanceof UserError && error.code === 'OUT_UNUSABLE' && !error.message.includes('\n') && pattern.test(error.message);
}

test('a file where the out folder should be is refused, for readers and writers', async () => {
  const dir = await tempDir('out-check-file');
  try {
    const file = join(dir, 'results');
    writeFileSync(file, 'not a folder');
    assert.throws(() => checkOutFolder(file, { write: false, label: '--out' }), unusable(new RegExp(`^--out ${file} cannot be used: it is a file, not a folder`)));
    assert.throws(() => checkOutFolder(file, { write: true }), unusable(/it is a file, not a folder/));
    assert.throws(() => checkOutFolder(join(file, 'sub'), { write: true }), unusable(/results\/sub.*a part of the path is a file, not a folder \(ENOTDIR\)/));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a writer gets the folder made and leaves nothing behind; a reader of a missing folder is fine', async () => {
  const dir = await tempDir('out-check-ok');
  try {
    const out = join(dir, 'a', 'b');
    checkOutFolder(out, { write: false });
    assert.ok(!existsSync(out), 'reading does not create it');
    checkOutFolder(out, { write: true });
    assert.deepEqual(readdirSync(out), [], 'the write check cleans up');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('file-system errors are described in one line with the path; other errors are not', () => {
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/data/.bench/runs/x/run.json' });
  assert.equal(describeFsError(full), 'cannot write /data/.bench/runs/x/run.json: no space left on the device (ENOSPC)');
  const denied = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'mkdir', path: '/srv/out' });
  assert.equal(describeFsError(denied), 'cannot create the folder /srv/out: permission denied (EACCES)');
  assert.equal(describeFsError(new TypeError('x is undefined')), undefined);
  assert.equal(describeFsError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED', syscall: 'connect' })), undefined);
});
