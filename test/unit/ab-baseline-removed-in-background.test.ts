/**
 * A git-ref baseline's worktree (~1.1 GB with its own packages) is taken
 * away without holding up the verdict: remove() returns once the folder is
 * renamed aside and git has forgotten the worktree, and its files are then
 * deleted by a detached process, finished whatever this process does next.
 * Real git on a small repository made here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { checkoutBaseline } from '../../harness/baseline-ref.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { gitRepo } from '../helpers/git-repo.ts';

test('remove() hands the worktree back at once; its files are gone once removed() settles', async (t) => {
  const { dir: repo, git, write } = await gitRepo('ab-remove-background', { 'targets/node/worker.ts': '// the worker\n', 'package-lock.json': '{"lockfileVersion":3}\n' });
  t.after(() => rm(repo, { recursive: true, force: true }));
  await write({ 'node_modules/kept/package.json': '{}\n' });

  const tree = await checkoutBaseline({ ref: 'HEAD', cwd: repo, log: memoryLogger(), signal: new AbortController().signal });
  // Many files, as a worktree with its packages has: what the background deletion is for.
  await mkdir(join(tree.dir, 'bulk'));
  await Promise.all(Array.from({ length: 300 }, (_, index) => writeFile(join(tree.dir, 'bulk', `f${index}`), 'x'.repeat(1000))));
  const home = dirname(tree.dir);

  await tree.remove();
  assert.equal(existsSync(home), false, 'not at its path any more when remove() returns');
  assert.equal(git('worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree ')).length, 1, 'git forgot it');
  await tree.removed();
  assert.deepEqual(readdirSync(tmpdir()).filter((name) => name.startsWith(`${basename(home)}-`)), [], 'the renamed folder is deleted too');
  assert.ok(existsSync(join(repo, 'node_modules', 'kept', 'package.json')), "this tree's linked packages are left alone");
  await tree.remove(); // idempotent
});
