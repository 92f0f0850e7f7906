/**
 * The exit guard's blocking removal (targets/android/undo-rules.ts
 * `removeRulesNow`), on the fake adb: a rule adb no longer has (the run's
 * own cleanup removed it a moment before a second Ctrl-C exited) is gone
 * from the ledger too, so no ledger file is left for the next run to sweep;
 * a rule adb holds is removed; one on a phone adb no longer sees stays in
 * the ledger for the next run.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAdb } from '../../targets/android/adb.ts';
import { RunLedger } from '../../targets/android/run-ledger.ts';
import { removeRulesNow } from '../../targets/android/undo-rules.ts';
import { FAKE_ADB, fakeAdb, PIXEL_7 } from '../fixtures/fake-adb/fake-device.ts';

test('removeRulesNow: a rule already removed leaves the ledger; a held one is removed; one on a phone that went away stays', async () => {
  const phone = await fakeAdb([PIXEL_7]);
  await writeFile(join(phone.dir, 'forward.json'), JSON.stringify({ [PIXEL_7.serial]: { 'tcp:41001': 'localabstract:chrome_devtools_remote' } }));
  await writeFile(join(phone.dir, 'reverse.json'), JSON.stringify({ [PIXEL_7.serial]: [] }));
  const ledger = new RunLedger(undefined, { pid: process.pid, startTime: 'x', command: 'x' });
  // Held by adb; removed already (the reverse and a second forward); on a phone adb does not see.
  ledger.add({ kind: 'forward', serial: PIXEL_7.serial, local: 'tcp:41001', remote: 'localabstract:chrome_devtools_remote' });
  ledger.add({ kind: 'forward', serial: PIXEL_7.serial, local: 'tcp:41002', remote: 'localabstract:chrome_devtools_remote' });
  ledger.add({ kind: 'reverse', serial: PIXEL_7.serial, remote: 'tcp:42001', local: 'tcp:42001' });
  ledger.add({ kind: 'reverse', serial: 'GONE-0001', remote: 'tcp:42002', local: 'tcp:42002' });

  removeRulesNow(ledger, createAdb({ executable: FAKE_ADB, env: phone.env }));

  assert.deepEqual((await phone.forwards())[PIXEL_7.serial], {}, 'the held forward removed');
  assert.deepEqual(ledger.setups(), [{ kind: 'reverse', serial: 'GONE-0001', remote: 'tcp:42002', local: 'tcp:42002' }], 'only what adb could not remove is kept');
});
