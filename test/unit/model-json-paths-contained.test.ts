/**
 * Every path a model.json names (its weight shards) must name a file inside
 * the model's folder: absolute paths, `..` escapes, NUL bytes, URLs and
 * symbolic links that lead out are each one UserError line naming the entry,
 * checked before any shard is read. Sizes are bounded before reading too.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { containedPath } from '../../harness/core/contained-path.ts';
import { UserError } from '../../harness/core/errors.ts';
import { readModelArtifacts } from '../../models/model-io.ts';
import { checkModelJson, MAX_WEIGHT_ELEMENTS } from '../../models/weights-manifest.ts';

const root = mkdtempSync(join(tmpdir(), 'edgebench-model-paths-'));
after(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
/** A model folder with weights.bin (16 bytes: four float32) and a model.json whose manifest is `manifest`. */
function modelFolder(manifest: unknown): { dir: string; modelJson: string } {
  const dir = join(root, `m${(count += 1)}`, 'model');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(16));
  const modelJson = join(dir, 'model.json');
  writeFileSync(modelJson, JSON.stringify({ format: 'layers-model', modelTopology: { config: {} }, weightsManifest: manifest }));
  return { dir, modelJson };
}
const weights = [{ name: 'w', shape: [2, 2], dtype: 'float32' }];
const shard = (paths: unknown[]) => [{ paths, weights }];

async function refused(modelJson: string, pattern: RegExp, code: string): Promise<void> {
  await assert.rejects(readModelArtifacts(modelJson), (error: unknown) => {
    assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('containedPath: inside is the absolute path; everything that leaves is refused by its text alone', () => {
  assert.equal(containedPath('/m', 'weights/group1-shard1of2.bin', 'entry', 'the folder'), '/m/weights/group1-shard1of2.bin');
  assert.equal(containedPath('/m', './a/../b.bin', 'entry', 'the folder'), '/m/b.bin');
  const cases: [unknown, RegExp][] = [
    ['../../x', /entry '\.\.\/\.\.\/x' leaves the folder/],
    ['a/../../x', /leaves the folder/],
    ['..\\..\\x', /leaves the folder/],
    ['.', /leaves the folder/],
    ['/etc/passwd', /'\/etc\/passwd' is an absolute path/],
    ['C:\\Windows\\x.bin', /is an absolute path/],
    ['\\\\server\\share\\x', /is an absolute path/],
    ['https://example.com/w.bin', /is a URL/],
    ['file:///etc/passwd', /is a URL/],
    ['c:weights.bin', /'c:weights\.bin' holds ':'/],
    ['weights.bin:hidden', /is a URL|holds ':'/],
    ['w.bin\0.txt', /'w\.bin\\u0000\.txt' holds a NUL byte/],
    ['', /is not a file name/],
    [42, /is not a file name \(42\)/],
  ];
  for (const [entry, pattern] of cases) assert.throws(() => containedPath('/m', entry, 'entry', 'the folder'), pattern, JSON.stringify(entry));
});

test("readModelArtifacts refuses shard paths that leave the model's folder, naming the entry", async () => {
  const escape = modelFolder(shard(['weights.bin', '../../x']));
  await refused(escape.modelJson, /model\.json: weightsManifest\[0\]\.paths\[1\] '\.\.\/\.\.\/x' leaves the model's folder$/, 'MODEL_PATH_UNSAFE');
  await refused(modelFolder(shard(['/etc/hostname'])).modelJson, /paths\[0\] '\/etc\/hostname' is an absolute path/, 'MODEL_PATH_UNSAFE');
  await refused(modelFolder(shard(['http://example.com/w.bin'])).modelJson, /is a URL/, 'MODEL_PATH_UNSAFE');
  await refused(modelFolder(shard(['weights.bin\0'])).modelJson, /holds a NUL byte/, 'MODEL_PATH_UNSAFE');
});

test('a symbolic link inside the folder is followed only when it stays inside', async () => {
  const outside = join(root, 'secret.bin');
  writeFileSync(outside, Buffer.alloc(16));
  const out = modelFolder(shard(['link.bin']));
  symlinkSync(outside, join(out.dir, 'link.bin'));
  await refused(out.modelJson, /paths\[0\] 'link\.bin' leaves the model's folder through a symbolic link \(to .*secret\.bin\)/, 'MODEL_PATH_UNSAFE');
  // A folder link out counts too.
  const viaFolder = modelFolder(shard(['up/secret.bin']));
  symlinkSync(root, join(viaFolder.dir, 'up'));
  await refused(viaFolder.modelJson, /through a symbolic link/, 'MODEL_PATH_UNSAFE');
  const inside = modelFolder(shard(['alias.bin']));
  symlinkSync(join(inside.dir, 'weights.bin'), join(inside.dir, 'alias.bin'));
  const artifacts = await readModelArtifacts(inside.modelJson);
  assert.equal((artifacts.weightData as ArrayBuffer).byteLength, 16);
});

test('a missing shard, a folder for a shard and a malformed manifest are one line each', async () => {
  await refused(modelFolder(shard(['absent.bin'])).modelJson, /weightsManifest\[0\]\.paths\[0\]: weight file 'absent\.bin' is missing \(no .*absent\.bin\)/, 'MODEL_WEIGHTS_MISSING');
  const folder = modelFolder(shard(['sub']));
  mkdirSync(join(folder.dir, 'sub'));
  await refused(folder.modelJson, /paths\[0\] 'sub' is not a regular file/, 'MODEL_INVALID');
  // A FIFO would block the read forever.
  const fifo = modelFolder(shard(['pipe.bin']));
  execFileSync('mkfifo', [join(fifo.dir, 'pipe.bin')]);
  await refused(fifo.modelJson, /paths\[0\] 'pipe\.bin' is not a regular file/, 'MODEL_INVALID');
  await refused(modelFolder({ paths: [] }).modelJson, /weightsManifest: expected array, received object/, 'MODEL_INVALID');
  await refused(modelFolder([{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [-1], dtype: 'float32' }] }]).modelJson, /weightsManifest\[0\]\.weights\[0\]\.shape\[0\]: Too small/, 'MODEL_INVALID');
});

test('declared weights are checked against the bytes present and the element bound before reading', async () => {
  // Five float32 declared, four present: TF.js would decode past the end.
  await refused(modelFolder([{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [5], dtype: 'float32' }] }]).modelJson, /declares 20 bytes of weights, but its shards hold 16/, 'MODEL_INVALID');
  await refused(
    modelFolder([{ paths: ['weights.bin'], weights: [{ name: 'huge', shape: [20000, 20000], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } }] }]).modelJson,
    new RegExp(`weights\\[0\\] \\(huge, shape \\[20000, 20000\\]\\) brings the weights to over ${MAX_WEIGHT_ELEMENTS} elements`),
    'MODEL_TOO_LARGE',
  );
  // Quantized storage counts the stored bytes: 16 uint8 values fit in 16 bytes.
  const quantized = modelFolder([{ paths: ['weights.bin'], weights: [{ name: 'q', shape: [16], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } }] }]);
  assert.equal((await checkModelJson(quantized.modelJson)).shards[0]!.bytes, 16);
});
