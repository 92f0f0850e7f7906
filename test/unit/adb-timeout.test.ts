/**
 * The adb bound from config (`timeouts.android.adbMs`) is the one an adb call
 * waits: an adb that hangs fails the call after it, not after the default 20 s.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_TIMEOUTS } from '../../harness/core/config.ts';
import { AdbCommandError, createAdb } from '../../targets/android/adb.ts';

test('a hanging adb call fails after the configured timeouts.android.adbMs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgebench-adb-timeout-'));
  const hanging = join(dir, 'adb');
  await writeFile(hanging, '#!/bin/sh\nexec sleep 30\n');
  await chmod(hanging, 0o755);
  const adb = createAdb({ executable: hanging, timeouts: { ...DEFAULT_TIMEOUTS.android, adbMs: 300 } });
  const started = performance.now();
  await assert.rejects(adb.devices(), (error: unknown) => error instanceof AdbCommandError && /timed out after 0 s/.test(error.message));
  assert.ok(performance.now() - started < 5_000, 'bounded by the configured 300 ms, not the 20 s default');
});
