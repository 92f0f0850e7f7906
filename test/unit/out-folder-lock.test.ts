/**
 * One writer per out folder: a second lock is refused naming the process
 * that holds it; a lock whose process is gone (or whose pid now belongs to
 * another process) is stale and taken over; release removes only our own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { LOCK_FILE, lockOutFolder, type LockHolder } from '../../harness/out-lock.ts';
import { tempDir } from '../helpers/tmp.ts';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('a second lock is refused, naming the holder; after release it is free again', async () => {
  const out = await tempDir('lock-held');
  try {
    const first = lockOutFolder(out, 'bench run');
    const holder = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')) as LockHolder;
    assert.equal(holder.pid, process.pid);
    assert.throws(
      () => lockOutFolder(out, 'bench all'),
      (error: unknown) => error instanceof UserError && error.code === 'OUT_LOCKED' && error.message.includes(`pid ${process.pid}`) && error.message.includes('"bench run"') && error.message.includes(out),
    );
    first.release();
    assert.ok(!existsSync(join(out, LOCK_FILE)));
    lockOutFolder(out, 'bench all').release();
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a lock left by a process that no longer runs is taken over', async () => {
  const out = await tempDir('lock-stale');
  try {
    const stale: LockHolder = { pid: deadPid(), host: hostname(), command: 'bench run', startedAt: '2025-01-01T00:00:00.000Z' };
    writeFileSync(join(out, LOCK_FILE), JSON.stringify(stale));
    const lock = lockOutFolder(out, 'bench run');
    assert.equal(lock.tookOverFrom?.pid, stale.pid);
    assert.equal((JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')) as LockHolder).pid, process.pid);
    lock.release();
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a live pid that started after the lock was written (a reused pid) does not hold it', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const out = await tempDir('lock-reused');
  try {
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), command: 'bench run', startedAt: 'then', processStart: '1' }));
    const lock = lockOutFolder(out, 'bench run');
    assert.equal(lock.tookOverFrom?.processStart, '1');
    lock.release();
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a lock from another host is never judged stale: refused, saying how to clear it', async () => {
  const out = await tempDir('lock-host');
  try {
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'other-machine.example', command: 'bench run', startedAt: 'then' }));
    assert.throws(() => lockOutFolder(out, 'bench run'), /pid \d+ on other-machine\.example.*delete .*bench\.lock/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('release leaves alone a lock that is no longer ours', async () => {
  const out = await tempDir('lock-release');
  try {
    const lock = lockOutFolder(out, 'bench run');
    const theirs = JSON.stringify({ pid: 1, host: hostname(), command: 'bench all', startedAt: 'now' });
    writeFileSync(join(out, LOCK_FILE), theirs);
    lock.release();
    assert.equal(readFileSync(join(out, LOCK_FILE), 'utf8'), theirs);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
