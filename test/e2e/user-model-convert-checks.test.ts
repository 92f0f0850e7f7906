/**
 * `bench convert --model` reads a downloaded model.json and the metadata.json
 * beside it under the same rules as `bench run`: a metadata field out of
 * range, a metadata.json that links out of the model's folder, a shard path
 * that leaves it and a graph with a cycle are each one error line with its
 * code, and no .tflite is written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../harness/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'edgebench-convert-checks-'));
after(() => rmSync(root, { recursive: true, force: true }));

const input = { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [-1, 8, 8, 3].map((size) => ({ size: String(size) })) } } } };
const feedForward = [input, { name: 'relu', op: 'Relu', input: ['input'] }, { name: 'out', op: 'Softmax', input: ['relu'] }];

let count = 0;
function graphModel(node: unknown[], weightsManifest: unknown[] = []): { dir: string; modelJson: string } {
  const dir = join(root, `m${(count += 1)}`);
  mkdirSync(dir);
  const modelJson = join(dir, 'model.json');
  writeFileSync(modelJson, JSON.stringify({ format: 'graph-model', modelTopology: { node }, weightsManifest }));
  return { dir, modelJson };
}

async function convert(modelJson: string): Promise<{ code: number; error: { code: string; message: string } }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['convert', '--model', modelJson, '--variants', 'float32', '--json'], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  assert.equal(stderr.trim().split('\n').length, 1, `one line:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  return { code, error: (JSON.parse(stdout) as { error: { code: string; message: string } }).error };
}

function tflites(dir: string): string[] {
  return readdirSync(dir).filter((file) => file.endsWith('.tflite'));
}

test('a metadata.json normalisation of Infinity is one line naming the file and the field', async () => {
  const model = graphModel(feedForward);
  writeFileSync(join(model.dir, 'metadata.json'), '{"normalization": {"scale": 1e999, "offset": 0}}');
  const result = await convert(model.modelJson);
  assert.equal(result.code, 1);
  assert.deepEqual(result.error, { code: 'MODEL_METADATA_INVALID', message: `${join(model.dir, 'metadata.json')}: normalization scale must be a finite number other than 0, got Infinity` });
  assert.deepEqual(tflites(model.dir), []);
});

test('a metadata.json that is a link out of the model folder is not read', async () => {
  const model = graphModel(feedForward);
  writeFileSync(join(root, 'private.json'), '{"normalization": {"scale": 1, "offset": 0}}');
  symlinkSync(join(root, 'private.json'), join(model.dir, 'metadata.json'));
  const result = await convert(model.modelJson);
  assert.equal(result.error.code, 'MODEL_PATH_UNSAFE');
  assert.match(result.error.message, /metadata\.json leaves the model's folder through a symbolic link/);
});

test('a shard path that leaves the folder, and a cycle, are one line each; nothing is written', async () => {
  const escaping = graphModel(feedForward, [{ paths: ['../../../etc/passwd'], weights: [] }]);
  const escape = await convert(escaping.modelJson);
  assert.deepEqual(escape.error, { code: 'MODEL_PATH_UNSAFE', message: `${escaping.modelJson}: weightsManifest[0].paths[0] '../../../etc/passwd' leaves the model's folder` });
  const cyclic = graphModel([input, { name: 'a', op: 'AddV2', input: ['input', 'b'] }, { name: 'b', op: 'Relu', input: ['a'] }, { name: 'out', op: 'Softmax', input: ['b'] }]);
  const cycle = await convert(cyclic.modelJson);
  assert.deepEqual(cycle.error, { code: 'MODEL_GRAPH_CYCLE', message: `${cyclic.modelJson}: the graph has a cycle of 2 nodes: "a" → "b" → "a" (each reads the next); a feed-forward graph has none` });
  assert.deepEqual([...tflites(escaping.dir), ...tflites(cyclic.dir)], []);
});
