/**
 * `bench convert --model graph/model.json`: until graph models are lowered,
 * a GraphDef is refused in one line that says what it is (it used to die in
 * the layers loader with its whole 100 kB topology in the message).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNsfwGraphModel } from '../fixtures/nsfwjs-graph-model.ts';

const BIN = fileURLToPath(new URL('../../harness/bin.js', import.meta.url));
let dir: string;
let modelJson: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgebench-convert-graph-'));
  modelJson = await writeNsfwGraphModel(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a graph model.json is one line naming it, no stack, no file written', () => {
  const result = spawnSync(process.execPath, [BIN, 'convert', '--model', modelJson, '--variants', 'float32'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.notEqual(result.status, 0);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0]!, /model\.json is a TF\.js graph model; the converter lowers layers models only/);
  assert.ok(result.stderr.length < 2000, `stderr is ${result.stderr.length} characters`);
  assert.doesNotMatch(result.stderr, /Improper config format|\n\s+at /);
  assert.equal(readdirSync(dirname(modelJson)).some((file) => file.endsWith('.tflite')), false);
  assert.equal(existsSync(join(dir, '.bench')), false);
});
