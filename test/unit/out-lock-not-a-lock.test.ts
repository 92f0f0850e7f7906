/**
 * A `bench.lock` that is not a lock edgebench wrote is one line that says
 * what it is and how to clear it, at once, and nothing is read through it
 * or removed: a link (even one to a stale-looking lock), a folder, a file
 * with no pid and host in it. A lock from another host names that host and
 * pid and says to delete the file once nothing runs there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { LOCK_FILE, lockOutFolder } from '../../harness/out-lock.ts';
import { tempDir } from '../helpers/tmp.ts';

const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
const invalid = (pattern: RegExp) => (error: unknown) => error instanceof UserError && error.code === 'OUT_LOCK_INVALID' && !error.message.includes('\n') && pattern.test(error.message);

test('a lock that is a link is refused as such, and what it points to is left alone', async () => {
  const root = await tempDir('lock-link');
  try {
    const out = join(root, 'out');
    mkdirSync(out);
    // Looks like a stale lock: the old code read through the link and took it over.
    const target = join(root, 'looks-stale.json');
    const text = JSON.stringify({ pid: deadPid(), host: hostname(), command: 'bench run', startedAt: 'then' });
    writeFileSync(target, text);
    symlinkSync(target, join(out, LOCK_FILE));
    const started = Date.now();
    assert.throws(() => lockOutFolder(out, 'bench run'), invalid(new RegExp(`${LOCK_FILE} is a symbolic link, not a lock edgebench wrote: if no bench runs in .*, remove the link \\(rm `)));
    assert.ok(Date.now() - started < 1000, 'at once');
    assert.ok(lstatSync(join(out, LOCK_FILE)).isSymbolicLink());
    assert.equal(readFileSync(target, 'utf8'), text);

    symlinkSync(join(root, 'nowhere'), join(out, 'dangling'));
    await rm(join(out, LOCK_FILE));
    symlinkSync(join(root, 'nowhere'), join(out, LOCK_FILE));
    assert.throws(() => lockOutFolder(out, 'bench run'), invalid(/is a symbolic link/));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a lock that is a folder, or a file with no lock in it, is refused saying so', async () => {
  const root = await tempDir('lock-folder');
  try {
    mkdirSync(join(root, LOCK_FILE));
    assert.throws(() => lockOutFolder(root, 'bench run'), invalid(/bench\.lock is a folder, not a lock edgebench wrote: .*rm -r /));
    await rm(join(root, LOCK_FILE), { recursive: true });
    writeFileSync(join(root, LOCK_FILE), 'hello');
    assert.throws(() => lockOutFolder(root, 'bench run'), invalid(/bench\.lock is not a lock edgebench wrote \(no pid and host in it\): if no bench runs in .*, delete it/));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a lock from another host names the host and pid and says how to clear it', async () => {
  const root = await tempDir('lock-other-host');
  try {
    writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: 4242, host: 'ci-runner-7', command: 'bench all', startedAt: '2026-01-01T00:00:00.000Z' }));
    assert.throws(
      () => lockOutFolder(root, 'bench run'),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === 'OUT_LOCKED' &&
        !error.message.includes('\n') &&
        error.message.includes('pid 4242 on ci-runner-7') &&
        error.message.includes(`delete ${join(root, LOCK_FILE)}`),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
