/**
 * A pid written down by an earlier run is that process only while its start
 * time and command line match (harness/core/process-identity.ts): a running
 * process is `running`, one that ended is `gone`, and a live pid recorded
 * with another start time (the pid reused by another program) is `gone` too,
 * so it is never signalled.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { canTellProcesses, processIdentity, processState } from '../../harness/core/process-identity.ts';

test('running, ended, and a reused pid told apart', { skip: !canTellProcesses() && 'no process table on this platform' }, async () => {
  const me = processIdentity(process.pid)!;
  assert.equal(me.pid, process.pid);
  assert.match(me.command, /node/);
  assert.equal(processState(me), 'running');
  assert.equal(processState({ ...me, startTime: `${me.startTime}0` }), 'gone', 'same pid, another start time: another process');
  assert.equal(processState({ ...me, command: 'appium' }), 'gone', 'same pid, another command line');

  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const identity = processIdentity(child.pid!)!;
  assert.equal(processState(identity), 'running');
  const ended = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await ended;
  assert.equal(processState(identity), 'gone');
  assert.equal(processIdentity(child.pid!), undefined, 'an ended (reaped) process has no identity');
});
