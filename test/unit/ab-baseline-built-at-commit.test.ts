/**
 * A git ref whose models/ differs from this tree's: its artifacts are built
 * by its own CLI (its harness/bin.js, a real Node process here: a stand-in
 * tree whose bin.js records what it was asked and writes a file per
 * command), on this side's dataset and settings, into a folder under the out
 * folder's cache keyed by (commit, dataset, settings): built once, reused the
 * second time, built again when the key changes or the last build did not
 * finish; a CLI that refuses is one line naming the command. When to build
 * is models/ changed since the commit (real git).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactCodeChange } from '../../harness/ab.ts';
import { baselineBuildDir, baselineBuildKey, buildBaselineArtifacts, buildSettings, datasetFingerprint } from '../../harness/baseline-build.ts';
import { parseConfig, type BenchConfig } from '../../harness/core/config.ts';
import { UserError } from '../../harness/core/errors.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { gitRepo } from '../helpers/git-repo.ts';
import { tempDir } from '../helpers/tmp.ts';

const COMMIT = 'a'.repeat(40);
const signal = new AbortController().signal;

/** A baseline tree whose CLI logs each call (argv and the config file it was given) and exits with `exit` for `failOn`. */
async function standInTree(root: string, failOn?: { command: string; exit: number; line: string }): Promise<{ tree: string; calls: () => { argv: string[]; config: Record<string, unknown> }[] }> {
  const tree = join(root, 'tree');
  await mkdir(join(tree, 'harness'), { recursive: true });
  const log = join(tree, 'calls.jsonl');
  await writeFile(
    join(tree, 'harness', 'bin.js'),
    `import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
const argv = process.argv.slice(2);
const config = JSON.parse(readFileSync(argv[argv.indexOf('--config') + 1], 'utf8'));
appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, config }) + '\\n');
const fail = ${JSON.stringify(failOn ?? null)};
if (fail && argv[0] === fail.command) { console.error(fail.line); process.exit(fail.exit); }
console.error(argv[0] + ': step 1 of 1');
writeFileSync(argv[argv.indexOf('--out') + 1] + '/' + argv[0] + '.done', '');
`,
  );
  await writeFile(join(tree, 'package.json'), '{"type":"module"}\n');
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { argv: string[]; config: Record<string, unknown> }) : []);
  return { tree, calls };
}

const tiny: BenchConfig = { models: ['mobilenet_v2'], dataset: { imagesPerClass: 4, seed: 3 }, retrain: { steps: 7 }, convert: { variants: ['float32'] } };

test('the key changes with the commit, the dataset and any setting, not with whether retraining reuses', async () => {
  const config = parseConfig(tiny);
  const settings = buildSettings(config, '/work');
  const dataset = await datasetFingerprint(settings.dataset);
  const key = baselineBuildKey(COMMIT, dataset, settings);
  assert.equal(baselineBuildKey(COMMIT, dataset, buildSettings(parseConfig({ ...tiny, retrain: { steps: 7, reuse: false } }), '/work')), key);
  assert.notEqual(baselineBuildKey('b'.repeat(40), dataset, settings), key);
  assert.notEqual(baselineBuildKey(COMMIT, await datasetFingerprint(buildSettings(parseConfig({ ...tiny, dataset: { imagesPerClass: 4, seed: 4 } }), '/work').dataset), settings), key);
  assert.notEqual(baselineBuildKey(COMMIT, dataset, buildSettings(parseConfig({ ...tiny, retrain: { steps: 8 } }), '/work')), key);
  assert.notEqual(baselineBuildKey(COMMIT, dataset, buildSettings(parseConfig({ ...tiny, convert: { variants: ['int8'] } }), '/work')), key);
  assert.equal(baselineBuildDir('/o', key), join('/o', 'cache', 'baselines', key.slice(0, 32)));
  assert.throws(() => baselineBuildDir('/o', '../x'));
});

test("a user's image folder: its fingerprint follows its files, and a relative root is made absolute for the baseline", async (t) => {
  const root = await tempDir('ab-build-images');
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'images', 'cat'), { recursive: true });
  await writeFile(join(root, 'images', 'cat', 'a.jpg'), 'one');
  const settings = buildSettings(parseConfig({ ...tiny, dataset: { images: 'images' } }), root);
  assert.equal(settings.dataset.images, join(root, 'images'));
  const first = await datasetFingerprint(settings.dataset);
  assert.equal(await datasetFingerprint(settings.dataset), first);
  await writeFile(join(root, 'images', 'cat', 'a.jpg'), 'two!');
  await utimes(join(root, 'images', 'cat', 'a.jpg'), new Date(0), new Date(0));
  assert.notEqual(await datasetFingerprint(settings.dataset), first);
  await assert.rejects(datasetFingerprint({ ...settings.dataset, images: join(root, 'none') }), (error: unknown) => error instanceof UserError && error.code === 'AB_BASELINE_BUILD');
});

test("the commit's own CLI retrains then converts on this side's settings, once; the second A/B reuses its folder", async (t) => {
  const root = await tempDir('ab-build');
  t.after(() => rm(root, { recursive: true, force: true }));
  const { tree, calls } = await standInTree(root);
  const out = join(root, 'out');
  const config = parseConfig({ ...tiny, out });
  const log = memoryLogger();
  const first = await buildBaselineArtifacts({ tree, ref: 'v1', commit: COMMIT, out, cwd: root, config, log, signal });
  assert.equal(first.reused, false);
  assert.ok(first.dir.startsWith(join(out, 'cache', 'baselines')));
  assert.deepEqual(calls().map((call) => [call.argv[0], call.argv.slice(1)]), [
    ['retrain', ['--config', join(first.dir, 'baseline.config.json'), '--out', first.dir]],
    ['convert', ['--config', join(first.dir, 'baseline.config.json'), '--out', first.dir]],
  ]);
  const given = calls()[0]!.config as { models: string[]; dataset: { seed: number; imagesPerClass: number }; retrain: { steps: number; reuse?: boolean }; convert: { variants: string[] } };
  assert.deepEqual(given.models, ['mobilenet_v2']);
  assert.equal(given.dataset.seed, 3);
  assert.equal(given.dataset.imagesPerClass, 4);
  assert.equal(given.retrain.steps, 7);
  assert.equal(given.retrain.reuse, undefined);
  assert.deepEqual(given.convert.variants, ['float32']);
  assert.ok(existsSync(join(first.dir, 'retrain.done')) && existsSync(join(first.dir, 'convert.done')));
  assert.ok(log.lines.some((line) => line.includes('baseline v1 | retrain: step 1 of 1')), 'its progress is shown');

  const second = await buildBaselineArtifacts({ tree, ref: 'v1', commit: COMMIT, out, cwd: root, config, log, signal });
  assert.deepEqual(second, { dir: first.dir, reused: true });
  assert.equal(calls().length, 2, 'nothing built again');

  const other = await buildBaselineArtifacts({ tree, ref: 'v1', commit: COMMIT, out, cwd: root, config: parseConfig({ ...tiny, out, retrain: { steps: 9 } }), log, signal });
  assert.notEqual(other.dir, first.dir);
  assert.equal(calls().length, 4);
});

test('a CLI that refuses is one line naming its command; the unfinished build is not reused', async (t) => {
  const root = await tempDir('ab-build-refused');
  t.after(() => rm(root, { recursive: true, force: true }));
  const { tree, calls } = await standInTree(root, { command: 'convert', exit: 1, line: 'error: unknown config key retrain.bottleneckBatch' });
  const out = join(root, 'out');
  const config = parseConfig({ ...tiny, out });
  const attempt = () => buildBaselineArtifacts({ tree, ref: 'v0', commit: COMMIT, out, cwd: root, config, log: memoryLogger(), signal });
  await assert.rejects(attempt(), (error: unknown) => error instanceof UserError && error.code === 'AB_BASELINE_BUILD' && error.message === '--baseline v0: its own bench convert failed (exit 1): error: unknown config key retrain.bottleneckBatch');
  await assert.rejects(attempt(), /bench convert failed/);
  assert.deepEqual(calls().map((call) => call.argv[0]), ['retrain', 'convert', 'retrain', 'convert'], 'built from the start again');
  await assert.rejects(buildBaselineArtifacts({ tree: join(root, 'no-tree'), ref: 'v0', commit: 'c'.repeat(40), out, cwd: root, config, log: memoryLogger(), signal }), /has no harness\/bin\.js/);
});

test('built only when models/ changed since the commit', async (t) => {
  const { dir: repo, git, write } = await gitRepo('ab-build-when', { 'models/convert.ts': 'export const EPS = 1e-6;\n', 'README.md': 'one\n' });
  t.after(() => rm(repo, { recursive: true, force: true }));
  const one = git('rev-parse', 'HEAD');
  await write({ 'README.md': 'two\n' });
  git('commit', '--quiet', '-am', 'docs only');
  assert.equal(artifactCodeChange(one, repo), 'unchanged');
  await write({ 'models/convert.ts': 'export const EPS = 1e-7;\n' });
  assert.equal(artifactCodeChange(one, repo), 'changed', 'an uncommitted edit of models/ counts too');
  git('commit', '--quiet', '-am', 'converter');
  assert.equal(artifactCodeChange(one, repo), 'changed');
  assert.ok(typeof artifactCodeChange('f'.repeat(40), repo) === 'object');
});
