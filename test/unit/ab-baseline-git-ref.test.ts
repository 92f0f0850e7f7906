/**
 * A git ref as the A/B baseline, with real git on a small repository made
 * here: a ref that could be read as an option, a range or a shell word is
 * refused before git sees it; the commit is checked out in a private
 * worktree whose packages are this tree's when the lockfiles match and its
 * own install otherwise; the worktree is gone afterwards, also when the
 * install fails.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkoutBaseline, checkRefName } from '../../harness/baseline-ref.ts';
import { UserError } from '../../harness/core/errors.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { gitRepo, type GitRepo } from '../helpers/git-repo.ts';

let repo: string;
let git: GitRepo['git'];
const signal = new AbortController().signal;

before(async () => {
  let write: GitRepo['write'];
  ({ dir: repo, git, write } = await gitRepo('ab-git-ref', { 'targets/node/worker.ts': '// the worker\n', 'package-lock.json': '{"lockfileVersion":3,"v":1}\n' }));
  git('tag', 'v1');
  await write({ 'package-lock.json': '{"lockfileVersion":3,"v":2}\n' });
  git('commit', '--quiet', '-am', 'two');
  // This tree's packages (ignored by git, as node_modules is).
  await write({ 'node_modules/@tensorflow/tfjs/package.json': '{"version":"4.22.0"}\n' });
  // tflite-node's package: its version is named too (the npm name, not the runtime's).
  await write({ 'node_modules/tfjs-tflite-node/package.json': '{"version":"0.0.2"}\n' });
});
after(() => rm(repo, { recursive: true, force: true }));

const worktrees = () => git('worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree ')).length;

test('a ref that git could read as an option, a range or a shell word is refused with one line', () => {
  for (const bad of ['--upload-pack=touch /tmp/x', '-x', 'main..topic', 'a b', '$(id)', 'x;y', '', '@{-1}', 'a'.repeat(201)]) {
    assert.throws(() => checkRefName(bad), (error: unknown) => error instanceof UserError && error.code === 'AB_BASELINE' && !error.message.includes('\n'), bad);
  }
  for (const good of ['origin/main', 'HEAD~2', 'v1.2^', 'feature/x-1', 'a1f05cc86d37', 'HEAD@{1}']) assert.equal(checkRefName(good), good);
});

test('the same lockfile: the commit in a private worktree linking these packages, removed afterwards', async () => {
  const tree = await checkoutBaseline({ ref: 'HEAD', cwd: repo, log: memoryLogger(), signal, install: () => Promise.reject(new Error('must not install')) });
  assert.equal(tree.commit, git('rev-parse', 'HEAD'));
  assert.equal(tree.packages, 'linked');
  assert.ok(lstatSync(join(tree.dir, 'node_modules')).isSymbolicLink());
  assert.equal(statSync(join(tree.dir, '..')).mode & 0o077, 0, 'the temporary folder is private');
  assert.deepEqual(tree.source.runtimeVersions, { '@tensorflow/tfjs': '4.22.0', 'tfjs-tflite-node': '0.0.2' });
  assert.equal(worktrees(), 2);
  await tree.remove();
  assert.equal(existsSync(tree.dir), false);
  assert.equal(worktrees(), 1);
  assert.ok(existsSync(join(repo, 'node_modules', '@tensorflow', 'tfjs', 'package.json')), 'removing the worktree leaves these packages alone');
});

test('another lockfile: its own install in the worktree, and its lockfile hash named', async () => {
  const installed: string[] = [];
  const tree = await checkoutBaseline({ ref: 'v1', cwd: repo, log: memoryLogger(), signal, install: async (dir) => void installed.push(readFileSync(join(dir, 'package-lock.json'), 'utf8')) });
  try {
    assert.equal(tree.packages, 'npm ci');
    assert.deepEqual(installed, ['{"lockfileVersion":3,"v":1}\n']);
    assert.match(tree.source.lockfileSha256 ?? '', /^[0-9a-f]{64}$/);
  } finally {
    await tree.remove();
  }
  assert.equal(worktrees(), 1);
});

test('an install that fails, or a ref with no commit, leaves no worktree behind and says why', async () => {
  await assert.rejects(
    checkoutBaseline({ ref: 'v1', cwd: repo, log: memoryLogger(), signal, install: () => Promise.reject(new UserError('npm ci for the baseline failed (exit 1): the npm registry is not reachable from here: ENOTFOUND', 'AB_BASELINE_INSTALL')) }),
    /registry is not reachable/,
  );
  await assert.rejects(checkoutBaseline({ ref: 'no-such-branch', cwd: repo, log: memoryLogger(), signal }), /no commit of that name/);
  assert.equal(worktrees(), 1);
});
