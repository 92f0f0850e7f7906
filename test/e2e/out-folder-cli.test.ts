/**
 * The out folder through the real CLI: a second `bench run` into a folder a
 * run is using is refused at once, naming the process; the lock a killed run
 * leaves is taken over by the next, which marks the killed run's record
 * interrupted; an out folder that is a file or cannot be written is one line
 * naming it, before any work starts. The first run is a process (it is killed
 * with SIGKILL) and so is the run as another user; the other commands run in
 * this process.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { benchProcessArgs } from '../helpers/bench-child.ts';
import { bench } from '../helpers/cli.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { tempDir } from '../helpers/tmp.ts';

const BIN = fileURLToPath(new URL('../../harness/bin.js', import.meta.url));
const QUICK = ['--model', 'tiny', '--targets', 'node', '--backends', 'tfjs-cpu', '--min-samples', '3', '--min-time', '0', '--warmup', '0', '--rounds', '1'];

/** As root every folder is writable: a process run as nobody meets the permission error. */
function benchAsNobody(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a second run into a busy out folder is refused naming the first; a killed run\'s lock is taken over', async () => {
  const out = await tempDir('out-lock-cli');
  try {
    // The tiny model with its agreement reference made: the runs here (the lock, the takeover) need not make it again.
    await makeTinyReferenced(out);
    // Under the tests' loader rather than tsx: the process (its pid in the lock, SIGKILL) is the point, not how it compiles.
    const first = spawn(process.execPath, benchProcessArgs(['run', '--out', out, ...QUICK, '--min-time', '60000', '--max-time', '60000']), { stdio: 'ignore' });
    const exited = new Promise((resolve) => first.on('close', resolve));
    const lockPath = join(out, 'bench.lock');
    await until(() => existsSync(lockPath) && readFileSync(lockPath, 'utf8').includes(`"pid":${first.pid}`), 'the first run to take the lock');

    const started = Date.now();
    const second = await bench(['run', '--out', out, ...QUICK]);
    assert.equal(second.code, 1);
    assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`^error: ${out} is in use by another bench command \\(pid ${first.pid}, "bench run", since .*\\): wait for it to finish, or use another --out`));
    assert.ok(Date.now() - started < 30_000, 'refused before any work');

    const runs = join(out, 'runs');
    await until(() => existsSync(runs) && readdirSync(runs).some((id) => existsSync(join(runs, id, 'run.json'))), 'the first run to write its record');
    const [killedRun] = readdirSync(runs);
    first.kill('SIGKILL');
    await exited;
    assert.ok(existsSync(lockPath), 'a killed run cannot remove its lock');
    const killedRecord = join(runs, killedRun!, 'run.json');
    assert.equal((JSON.parse(readFileSync(killedRecord, 'utf8')) as { status: string }).status, 'running', 'a killed run cannot close its record');
    const third = await bench(['run', '--out', out, ...QUICK]);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, new RegExp(`took over the lock of ${out} left by pid ${first.pid} \\("bench run"\\), which no longer runs`));
    assert.match(third.stderr, new RegExp(`marked interrupted: run ${killedRun}, left "running" by a bench that no longer runs`));
    assert.equal((JSON.parse(readFileSync(killedRecord, 'utf8')) as { status: string }).status, 'interrupted');
    assert.ok(!existsSync(lockPath), 'released at the end');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('an out folder that is a file, under a file, or read-only is one line naming it', async () => {
  const root = await tempDir('out-unusable-cli');
  try {
    const file = join(root, 'results.txt');
    await writeFile(file, 'a file');
    for (const args of [['run', '--out', file], ['retrain', '--out', join(file, 'sub')], ['history', '--out', file], ['report', '--out', file]]) {
      const result = await bench(args, { cwd: root });
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stderr.trim().split('\n').length, 1, `${args.join(' ')}:\n${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^error: --out ${file}(/sub)? cannot be used: (it is a file, not a folder|.*a part of the path is a file, not a folder \\(ENOTDIR\\))`), args.join(' '));
    }
    const readOnly = join(root, 'read-only');
    await mkdir(readOnly);
    await chmod(readOnly, 0o555);
    await chmod(root, 0o755);
    const asNobody = process.getuid?.() === 0;
    // The user's own folder, read-only to them (as root: given to nobody, who then runs bench).
    if (asNobody) await chown(readOnly, 65534, 65534);
    const result = asNobody ? await benchAsNobody(['retrain', '--out', readOnly], root) : await bench(['retrain', '--out', readOnly], { cwd: root });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, new RegExp(`^error: --out ${readOnly} cannot be used: cannot open ${readOnly}/\\.edgebench-write-check-\\d+-[0-9a-f]+: permission denied \\(EACCES\\)`));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
