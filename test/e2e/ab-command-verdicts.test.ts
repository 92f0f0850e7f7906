/**
 * `bench ab` end to end on the Node target with TF.js cpu in real worker
 * processes: a model against a copy of itself is never a regression (exit
 * 0), a model with 9× the pixels is (exit 1), a B whose weights are broken
 * while A measures is a regression naming its key (exit 1), and a baseline
 * folder that does not exist, a ref that could pass for an option, or a
 * run flag an A/B run cannot honour cannot be compared (exit 3), through
 * `bench ab` and `bench run --baseline` alike.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { bench } from '../helpers/cli.ts';
import { makeTinyReferenced } from '../helpers/tiny-referenced.ts';
import { tempDir } from '../helpers/tmp.ts';

let root: string;
before(async () => {
  root = await tempDir('ab-command');
  // With its agreement reference made, which the copies keep: the A/A's B found it, and made it in a TF.js worker before.
  await makeTinyReferenced(join(root, 'base'));
  await cp(join(root, 'base'), join(root, 'copy'), { recursive: true });
  await makeTinyArtifact(join(root, 'slow'), { size: 96 });
  await cp(join(root, 'base'), join(root, 'broken'), { recursive: true });
  const mobile = join(root, 'broken', 'models', 'tiny', 'mobile');
  const weights = (await readdir(mobile)).find((name) => name.endsWith('.bin'))!;
  await truncate(join(mobile, weights), 10);
  // The A/A's verdict at alpha 0.001: at a user's 0.05, noise flags an A/A up to one run in 20 by definition (ab-node-processes).
  await writeFile(join(root, 'aa.config.json'), JSON.stringify({ ab: { alpha: 0.001 } }));
});
after(() => rm(root, { recursive: true, force: true }));

const ab = (out: string, processes: number, ...extra: string[]) =>
  bench(['ab', '--json', '--out', join(root, out), '--baseline', join(root, 'base'), '--model', 'tiny', '--targets', 'node', '--backends', 'tfjs-cpu', '--threads', '1', '--processes', String(processes), '--min-time', '0', '--warmup', '1', ...extra]);

test('A against a copy of itself: never regressed, exit 0, the verdict file written; 12 pairs a process by default', async () => {
  const result = await ab('copy', 2, '--config', join(root, 'aa.config.json'));
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout) as { keys: { key: string; verdict: string; estimate: { pairs: number; processes: number } }[]; path: string };
  assert.equal(json.keys.length, 1);
  assert.ok(['same', 'inconclusive'].includes(json.keys[0]!.verdict), result.stderr);
  assert.deepEqual([json.keys[0]!.estimate.processes, json.keys[0]!.estimate.pairs], [2, 24]);
  const saved = JSON.parse(await readFile(json.path, 'utf8')) as { schema: string; keys: unknown[]; sides: { a: { sha256: string }; b: { sha256: string } }[] };
  assert.equal(saved.schema, 'edgebench-ab/1');
  assert.equal(saved.sides[0]!.a.sha256, saved.sides[0]!.b.sha256, 'a copy: the same file on both sides');
  assert.match(result.stderr, /B\/A\s+interval/);
});

test('B with 9× the pixels: regressed, exit 1', async () => {
  // The adaptive stop lets a loaded machine add A B B A blocks until the pairs decide it.
  const result = await ab('slow', 4, '--max-processes', '12', '--pairs', '10');
  assert.equal(result.code, 1, result.stderr);
  const json = JSON.parse(result.stdout) as { keys: { verdict: string; estimate: { ratio: number } }[] };
  assert.equal(json.keys[0]!.verdict, 'regressed');
  assert.ok(json.keys[0]!.estimate.ratio > 2, `B/A ${json.keys[0]!.estimate.ratio}`);
});

test('B fails to load while A measures: a regression naming the key, exit 1', async () => {
  const result = await ab('broken', 1);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /regressed\s+tiny\/tfjs\/float32@node:host\/tfjs-cpu\[batch=1\].*failed on B, not on A: load failed/);
});

test('a baseline folder that does not exist, or a bad flag, cannot be compared: exit 3 (1 is a regression), one line', async () => {
  const result = await bench(['ab', '--out', join(root, 'copy'), '--baseline', join(root, 'nowhere'), '--model', 'tiny', '--targets', 'node']);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /--baseline ".*nowhere": neither an out folder nor a git ref name/);
  // bench run --baseline is the same command; a ref that git could take as an option never reaches git.
  const option = await bench(['run', '--out', join(root, 'copy'), '--baseline=--upload-pack=touch pwned', '--model', 'tiny', '--targets', 'node']);
  assert.equal(option.code, 3);
  assert.match(option.stderr.trim(), /^error: --baseline "--upload-pack=touch pwned": neither an out folder nor a git ref name/);
  const rounds = await bench(['run', '--out', join(root, 'copy'), '--baseline', join(root, 'base'), '--rounds', '3']);
  assert.deepEqual([rounds.code, rounds.stderr.trim()], [3, 'error: --rounds cannot be used with --baseline: an A/B run times inference in pairs and evaluates each side once']);
  const samples = await bench(['run', '--out', join(root, 'copy'), '--baseline', join(root, 'base'), '--min-samples', '5']);
  assert.deepEqual([samples.code, samples.stderr.trim()], [3, 'error: --min-samples cannot be used with --baseline: an A/B run times --pairs per process (default 12)']);
  const zero = await bench(['ab', '--out', join(root, 'copy'), '--baseline', join(root, 'base'), '--processes', '0']);
  assert.deepEqual([zero.code, zero.stderr.trim()], [3, "error: --processes must be a positive integer (got \"0\")"]);
});
