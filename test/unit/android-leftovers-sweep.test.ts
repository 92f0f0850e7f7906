/**
 * The next start's sweep of what killed runs left (targets/android/leftovers.ts),
 * on the fake adb and real processes: a dead run's forward, reverse and
 * "Appium" (a detached child standing in for it) are removed with one line
 * each, and so is what a sweep killed half-way had claimed; a live run's ledger, a rule adb no longer lists and a pid now taken
 * by another program are left alone.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { processIdentity, type ProcessIdentity } from '../../harness/core/process-identity.ts';
import { ensurePrivateDir } from '../../harness/core/private-dir.ts';
import { createAdb } from '../../targets/android/adb.ts';
import { sweepLeftovers } from '../../targets/android/leftovers.ts';
import { writeLedger } from '../../targets/android/run-ledger.ts';
import { FAKE_ADB, fakeAdb, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';
import { tempDir } from '../helpers/tmp.ts';

const started: number[] = [];
after(() => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** A process that ran and ended: its identity is a dead run's. */
function deadRun(): ProcessIdentity {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return { pid: Number(child.stdout.trim()), startTime: '1', command: `${process.execPath} bench run` };
}

/** A detached long-lived process, as the harness starts Appium. */
function fakeAppium(): ProcessIdentity {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'appium-stand-in'], { detached: true, stdio: 'ignore' });
  child.unref();
  started.push(child.pid!);
  return processIdentity(child.pid!)!;
}

const alive = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

test('a dead run’s forward, reverse and Appium are removed, one line each (a sweep cut short too); a live run’s and a stranger’s are not', { timeout: 60_000 }, async () => {
  const phone = await fakeAdb([PIXEL_7]);
  await writeFile(join(phone.dir, 'forward.json'), JSON.stringify({ [PIXEL_7.serial]: { 'tcp:41001': 'localabstract:chrome_devtools_remote', 'tcp:41002': 'localabstract:chrome_devtools_remote', 'tcp:41003': 'localabstract:chrome_devtools_remote' } }));
  await writeFile(join(phone.dir, 'reverse.json'), JSON.stringify({ [PIXEL_7.serial]: ['tcp:42001', 'tcp:42002', 'tcp:42003'] }));
  const dir = ensurePrivateDir(join(await tempDir('leftovers'), 'android-runs'));
  const appium = fakeAppium();
  const reused = fakeAppium();
  const dead = deadRun();
  // A sweep cut short by a kill (its claim renamed the ledger) and a ledger write cut short, both by dead processes.
  writeLedger(join(dir, `${dead.pid}-2.json.sweep-${dead.pid}`), { version: 1, owner: { ...dead, startTime: '2' }, setups: [{ kind: 'reverse', serial: PIXEL_7.serial, remote: 'tcp:42003', local: 'tcp:42003' }] });
  await writeFile(join(dir, `${dead.pid}-3.json.${dead.pid}.tmp`), '{"version":1,"own');
  writeLedger(join(dir, `${dead.pid}-1.json`), {
    version: 1,
    owner: dead,
    setups: [
      { kind: 'forward', serial: PIXEL_7.serial, local: 'tcp:41001', remote: 'localabstract:chrome_devtools_remote' },
      { kind: 'reverse', serial: PIXEL_7.serial, remote: 'tcp:42001', local: 'tcp:42001' },
      // adb no longer lists it (an adb server restart dropped it; the port may be another tool's now): not touched.
      { kind: 'forward', serial: PIXEL_7.serial, local: 'tcp:41009', remote: 'localabstract:chrome_devtools_remote' },
      { kind: 'appium', process: appium },
      // The pid is now another program's (another start time): never signalled.
      { kind: 'appium', process: { ...reused, startTime: '1' } },
    ],
  });
  // A run that still runs (this test process): its ledger is its own business.
  const self = processIdentity(process.pid)!;
  writeLedger(join(dir, `${self.pid}-${self.startTime}.json`), { version: 1, owner: self, setups: [{ kind: 'forward', serial: PIXEL_7.serial, local: 'tcp:41002', remote: 'localabstract:chrome_devtools_remote' }] });

  const said: string[] = [];
  const lines = await sweepLeftovers({ dir, adb: createAdb({ executable: FAKE_ADB, env: phone.env }), self: { pid: 1, startTime: 'x', command: 'x' }, say: (line) => said.push(line), stopWaitMs: 2_000 });
  assert.deepEqual(lines, said);
  assert.deepEqual(lines.sort(), [
    `android: removed a stale adb forward tcp:41001 → localabstract:chrome_devtools_remote on ${PIXEL_7.serial}, left by an earlier run (pid ${dead.pid}) that ended without removing it`,
    `android: removed a stale adb reverse tcp:42001 → tcp:42001 on ${PIXEL_7.serial}, left by an earlier run (pid ${dead.pid}) that ended without removing it`,
    `android: removed a stale adb reverse tcp:42003 → tcp:42003 on ${PIXEL_7.serial}, left by an earlier run (pid ${dead.pid}) that ended without removing it`,
    `android: stopped a leftover Appium server (pid ${appium.pid}) started by an earlier run (pid ${dead.pid}) that ended without stopping it`,
  ]);
  assert.deepEqual(Object.keys((await phone.forwards())[PIXEL_7.serial]!).sort(), ['tcp:41002', 'tcp:41003']);
  assert.deepEqual((await phone.reverses())[PIXEL_7.serial], ['tcp:42002']);
  assert.equal(alive(appium.pid), false, 'the leftover Appium was stopped');
  assert.equal(alive(reused.pid), true, 'a pid now another program’s is left alone');
  assert.deepEqual(readdirSync(dir), [`${self.pid}-${self.startTime}.json`], 'the dead run’s ledger is done; the live one stays');
});
