/**
 * `bench all --baseline <folder>`: bench all's artifacts are built on this
 * side first (retrain and convert run, each finding its artifact up to date:
 * retraining and converting MobileNetV2 again would cost this tier more
 * than the pairing it is here to show), then every job of the plan is paired against the baseline
 * as `bench ab` pairs it: one verdict per key, exit 0 for the same model on
 * both sides. A run flag an A/B cannot honour is refused by name (exit 3)
 * before anything is built, and so is a baseline that is neither a folder
 * nor a commit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { liteModelPath } from '../../harness/core/layout.ts';
import { bench } from '../helpers/cli.ts';
import { copyConvertedMobilenet } from '../helpers/converted-mobilenet.ts';
import { RETRAINED_MOBILENET } from '../helpers/retrained-mobilenet.ts';
import { tempDir } from '../helpers/tmp.ts';

let root: string;
before(async () => {
  root = await tempDir('ab-all');
  await writeFile(join(root, 'bench.config.json'), JSON.stringify(RETRAINED_MOBILENET));
  const base = join(root, 'base');
  // The retrained mobilenet_v2 with its .tflite files from the build cache (converted once per tier, as
  // browser-mobilenet takes them): converting it here was seconds of both cores, and the converter is not this file's subject.
  await copyConvertedMobilenet(base);
  // float32 only, as `bench convert --variants float32` left it: a run measures every file there is.
  await rm(liteModelPath(base, 'mobilenet_v2', 'int8'));
  await cp(base, join(root, 'change'), { recursive: true });
});
after(() => rm(root, { recursive: true, force: true }));

const all = (...extra: string[]) =>
  bench(['all', '--json', '--out', join(root, 'change'), '--baseline', join(root, 'base'), '--variants', 'float32', '--targets', 'node', '--backends', 'tflite-node', '--threads', '1', '--processes', '2', '--pairs', '10', '--min-time', '0', '--warmup', '1', '--eval-limit', '2', ...extra], { cwd: root });

test('bench all --baseline: this side built (retrain, convert), then each key paired against the baseline', async () => {
  const result = await all();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /mobilenet_v2: .*unchanged since .*head kept/, 'the retrain step ran and kept the head');
  assert.match(result.stderr, /convert: 0 written, 1 up to date/, 'the convert step ran on the variants asked for');
  const json = JSON.parse(result.stdout) as { keys: { key: string; verdict: string; estimate?: { processes: number; pairs: number } }[]; path: string };
  assert.deepEqual(json.keys.map((key) => key.key), ['mobilenet_v2/tflite/float32@node:host/tflite-node[batch=1,threads=1]']);
  assert.notEqual(json.keys[0]!.verdict, 'regressed');
  assert.deepEqual([json.keys[0]!.estimate?.processes, (json.keys[0]!.estimate?.pairs ?? 0) >= 20], [2, true]);
  const saved = JSON.parse(await readFile(json.path, 'utf8')) as { sides: { design: string; a: { sha256: string }; b: { sha256: string } }[] };
  assert.equal(saved.sides[0]!.design, 'in-process');
  assert.equal(saved.sides[0]!.a.sha256, saved.sides[0]!.b.sha256, 'a copy: the same file on both sides');
});

test('bench all --baseline refuses a run flag an A/B cannot honour, by name, before building anything (exit 3)', async () => {
  const result = await all('--rounds', '3');
  assert.equal(result.code, 3);
  assert.match(result.stderr, /^error: --rounds cannot be used with --baseline/m);
});

test('bench all --baseline that names neither a folder nor a commit fails in one line before building anything (exit 3)', async () => {
  const empty = join(root, 'empty');
  const result = await bench(['all', '--out', empty, '--baseline', 'no-such-ref', '--variants', 'float32', '--targets', 'node'], { cwd: root });
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /^error: --baseline no-such-ref: not an out folder, and .* is not inside a git repository/m);
  assert.equal(existsSync(join(empty, 'models')), false, 'nothing retrained for a baseline that is not there');
});
