/**
 * The audit's high finding, reproduced: a downloaded model.json's
 * `weightsManifest[].paths` were joined to the model's folder and to
 * `<out>/models/<id>/mobile/` unchecked, so `bench run --model` wrote
 * `../../../../bench.config.mjs` into the user's project (executed by the
 * next command) and copied a private key from outside the model's package
 * into the out folder. Now each such entry is one line naming it, the model
 * is skipped, and nothing is read or written.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { saveLayersModel } from '../../models/model-io.ts';
import { bench } from '../helpers/cli.ts';

let root: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'edgebench-path-escape-'));
  await tf.setBackend('cpu');
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A real layers model (loads in TF.js) saved in `dir`, its weights moved to `weightsAt` and the manifest naming them as `entry`. */
async function modelWithShard(dir: string, entry: string, weightsAt: string): Promise<string> {
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  const modelJson = await saveLayersModel(model, dir);
  model.dispose();
  mkdirSync(join(weightsAt, '..'), { recursive: true });
  renameSync(join(dir, 'weights.bin'), weightsAt);
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  json.weightsManifest[0]!.paths = [entry];
  writeFileSync(modelJson, JSON.stringify(json));
  return modelJson;
}

const quick = ['--targets', 'node', '--backends', 'tfjs-cpu', '--eval-limit', '1', '--min-samples', '3', '--min-time', '0', '--warmup', '1'];

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => join(dir, file)) : [];
}

test("a shard path '../../../../bench.config.mjs' writes nothing into the project: one line names the entry", async () => {
  // The package ships its "weights" as bench.config.mjs at its top, the model.json four folders down.
  const project = join(root, 'project');
  const modelDir = join(project, 'downloads', 'pkg', 'a', 'b', 'c');
  mkdirSync(modelDir, { recursive: true });
  const modelJson = await modelWithShard(modelDir, '../../../../bench.config.mjs', join(project, 'bench.config.mjs.shipped'));
  // Where the read side resolves the entry: the package's own top folder.
  renameSync(join(project, 'bench.config.mjs.shipped'), join(modelDir, '../../../../bench.config.mjs'));
  const planted = join(project, 'bench.config.mjs');
  rmSync(planted, { force: true });
  const result = await bench(['run', '--model', modelJson, '--out', join(project, '.bench'), ...quick], { cwd: project });
  assert.equal(existsSync(planted), false, 'no bench.config.mjs written into the project');
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /weightsManifest\[0\]\.paths\[0\] '\.\.\/\.\.\/\.\.\/\.\.\/bench\.config\.mjs' leaves the model's folder/);
  assert.equal(result.stderr.split('\n').filter((line) => /leaves the model's folder/.test(line)).length, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
});

test('a shard path out of the package reads nothing: a private key is not copied into the out folder', async () => {
  const project = join(root, 'secret');
  const modelDir = join(project, 'pkg', 'model');
  mkdirSync(modelDir, { recursive: true });
  const key = join(project, 'id_ed25519');
  const modelJson = await modelWithShard(modelDir, '../../id_ed25519', key);
  chmodSync(key, 0o600);
  const secret = readFileSync(key);
  const out = join(project, '.bench');
  const result = await bench(['run', '--model', modelJson, '--out', out, ...quick], { cwd: project });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /weightsManifest\[0\]\.paths\[0\] '\.\.\/\.\.\/id_ed25519' leaves the model's folder/);
  const copies = files(out).filter((file) => !file.endsWith('.lock') && existsSync(file) && !readdirSafe(file) && readFileSync(file).equals(secret));
  assert.deepEqual(copies, [], 'the key is nowhere in the out folder');
});

test('a shard that is a symbolic link out of the model folder is refused the same way, by where it leads', async () => {
  const project = join(root, 'link');
  const modelDir = join(project, 'pkg');
  mkdirSync(modelDir, { recursive: true });
  const key = join(project, 'private.key');
  const modelJson = await modelWithShard(modelDir, 'weights.bin', key);
  symlinkSync(key, join(modelDir, 'weights.bin'));
  const out = join(project, '.bench');
  const result = await bench(['run', '--model', modelJson, '--out', out, ...quick], { cwd: project });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /weightsManifest\[0\]\.paths\[0\] 'weights\.bin' leaves the model's folder through a symbolic link/);
  assert.deepEqual(files(join(out, 'models')), [], 'nothing imported');
});

test('a missing weights shard is one line naming the shard and the model, not a stack trace', async () => {
  const project = join(root, 'missing');
  const modelDir = join(project, 'pkg');
  mkdirSync(modelDir, { recursive: true });
  const modelJson = await modelWithShard(modelDir, 'group1-shard1of1.bin', join(project, 'elsewhere.bin'));
  const result = await bench(['convert', '--model', modelJson, '--variants', 'float32', '--json'], { cwd: project });
  assert.equal(result.code, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.deepEqual(result.stderr.trim().split('\n').filter((line) => line.startsWith('error:')), [`error: ${modelJson}: weightsManifest[0].paths[0]: weight file 'group1-shard1of1.bin' is missing (no ${join(modelDir, 'group1-shard1of1.bin')})`]);
});

function readdirSafe(path: string): boolean {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}
