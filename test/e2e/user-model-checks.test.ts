/**
 * A user's own model (`--model`): what its files may say and where they may
 * point, checked through `bench run`, `bench convert` and the import. One
 * file (one test process, ~1.5 s of startup each) for what were five, each
 * behaviour its own describe block with its own setup, named after it, its
 * comment saying what it checks. (A zip bomb is user-model-zip-bomb: its own
 * processes, to measure their memory.)
 */
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { main } from '../../harness/cli.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { UserError } from '../../harness/core/errors.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { loadTfjsModel, saveLayersModel } from '../../models/model-io.ts';
import { importUserModel, resolveUserModel } from '../../models/user-model.ts';
import { tfjsSession } from '../../targets/node/tfjs.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * One bad model among good ones costs only its own jobs: a model whose
 * metadata.json says inputSize -5, one whose normalisation is Infinity
 * (1e999 in JSON), a graph model with a cycle and a model whose input side
 * is 100,000 pixels are each skipped with one
 * warning line naming the model and the field or nodes; the good model
 * beside them is still measured. (They used to abort the whole run with a
 * stack trace from sharp, or record NaN outputs as agreement.)
 */
describe('one bad model among good ones is skipped', () => {
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgebench-bad-one-'));
    await tf.setBackend('cpu');
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 2, kernelSize: 3 }), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    await saveLayersModel(model, join(dir, 'good'));
    model.dispose();
    writeFileSync(join(dir, 'good', 'metadata.json'), JSON.stringify({ normalization: { scale: 1 / 255, offset: 0 }, classNames: ['a', 'b', 'c'] }));
    for (const [name, metadata] of [
      ['negative', '{"inputSize": -5}'],
      ['infinite', '{"normalization": {"scale": 1e999, "offset": 0}}'],
    ]) {
      cpSync(join(dir, 'good'), join(dir, name!), { recursive: true });
      writeFileSync(join(dir, name!, 'metadata.json'), metadata!);
    }
    // An input side of 100,000 pixels: refused before a probe or an evaluation image of that size is allocated.
    const huge = tf.sequential({ layers: [tf.layers.globalAveragePooling2d({ inputShape: [100_000, 100_000, 3] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
    await saveLayersModel(huge, join(dir, 'huge'));
    huge.dispose();
    mkdirSync(join(dir, 'cycle'));
    const input = { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [-1, 16, 16, 3].map((size) => ({ size: String(size) })) } } } };
    const node = [input, { name: 'a', op: 'AddV2', input: ['input', 'b'] }, { name: 'b', op: 'Relu', input: ['a'] }, { name: 'out', op: 'Softmax', input: ['b'] }];
    writeFileSync(join(dir, 'cycle', 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node }, weightsManifest: [] }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the good model is measured; each bad one is one warning line naming it', async () => {
    const out = join(dir, '.bench');
    const log = memoryLogger();
    const paths = ['negative', 'good', 'infinite', 'cycle', 'huge'].map((name) => join(dir, name, 'model.json'));
    const config = parseConfig({ out, models: paths, run: { targets: ['node'], backends: ['tfjs-cpu'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 5_000, rounds: 1, evalLimit: 2 } });
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
    assert.deepEqual([...new Set(record.measurements.map((measurement) => measurement.key.model))], ['good'], JSON.stringify(record.failures));
    const skipped = log.lines.filter((line) => line.includes('skipped'));
    assert.deepEqual(skipped, [
      `warning: ${paths[0]}: skipped, ${join(dir, 'negative', 'metadata.json')}: inputSize must be an integer between 8 and 4096, got -5`,
      `warning: ${paths[2]}: skipped, ${join(dir, 'infinite', 'metadata.json')}: normalization scale must be a finite number other than 0, got Infinity`,
      `warning: ${paths[3]}: skipped, ${paths[3]}: the graph has a cycle of 2 nodes: "a" → "b" → "a" (each reads the next); a feed-forward graph has none`,
      `warning: ${paths[4]}: skipped, ${paths[4]}: input shape [?, 100000, 100000, 3]: its side must be an integer between 8 and 4096, got 100000`,
    ]);
  });
});

/**
 * `bench convert --model` reads a downloaded model.json and the metadata.json
 * beside it under the same rules as `bench run`: a metadata field out of
 * range, a metadata.json that links out of the model's folder, a shard path
 * that leaves it and a graph with a cycle are each one error line with its
 * code, and no .tflite is written.
 */
describe('bench convert reads a model under the rules bench run does', () => {
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
});

/**
 * A user's layers model with no metadata.json is fed alike on its Mobile and
 * Lite paths: `bench convert` writes the .tflite with the normalisation
 * `bench run` assumes for the model.json (one default, [-1, 1], said in the
 * output), so the two runtimes agree on the same images. They used to differ
 * (convert assumed [0, 1], run [-1, 1]): a silent wrong answer.
 */
describe('a model without metadata.json is fed alike on both paths', () => {
  const SIZE = 8;

  function maxDelta(a: Float32Array, b: Float32Array): number {
    return Math.max(...Array.from(a, (value, index) => Math.abs(value - b[index]!)));
  }

  test('bench convert and bench run feed a model without metadata.json the same inputs', async () => {
    const dir = await tempDir('normalization-both-paths');
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: tf.initializers.constant({ value: 0.1 }) }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tf.SymbolicTensor;
    const modelJson = await saveLayersModel(tf.model({ inputs: input, outputs: x }), join(dir, 'mine'));

    let stderr = '';
    const code = await main(['convert', '--model', modelJson, '--variants', 'float32', '--out', join(dir, 'out')], { stdout: () => {}, stderr: (text) => void (stderr += text), cwd: dir });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /assuming \[-1, 1\]/, 'the assumed normalisation is said');

    // What `bench run --model` settles for each file (models/user-model.ts): the same normalisation.
    const mobile = await resolveUserModel({ path: modelJson });
    const lite = await resolveUserModel({ path: join(dir, 'mine', 'model.float32.tflite') });
    assert.ok(mobile.assumed.some((entry) => /normalisation/.test(entry)), 'the model.json path assumes it too');
    assert.deepEqual(lite.normalization, mobile.normalization);

    // The real sessions of both paths on the same pixels agree.
    const pixels = Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, index) => (index * 97 + 13) % 256);
    const session = tfjsSession(tf, await loadTfjsModel(modelJson), { inputSize: SIZE, normalization: mobile.normalization });
    const bytes = new Uint8Array(await readFile(lite.path));
    const tflite = await openTfliteSession({ bytes, normalization: lite.normalization, threads: 1, batchSize: 1 });
    try {
      const onMobile = await session.run(pixels, 1);
      const onLite = await tflite.run(pixels, 1);
      assert.ok(maxDelta(onMobile, onLite) < 1e-4, `Mobile ${Array.from(onMobile)} vs Lite ${Array.from(onLite)}`);
      // The check can tell a mix-up: the Lite file fed [0, 1] instead gives other probabilities.
      const mixedUp = await openTfliteSession({ bytes, normalization: { scale: 1 / 255, offset: 0 }, threads: 1, batchSize: 1 });
      try {
        assert.ok(maxDelta(onMobile, await mixedUp.run(pixels, 1)) > 1e-3, 'a [0, 1] input changes the outputs');
      } finally {
        await mixedUp.dispose();
      }
    } finally {
      await tflite.dispose();
      await session.dispose();
    }
  });
});

/**
 * The audit's high finding, reproduced: a downloaded model.json's
 * `weightsManifest[].paths` were joined to the model's folder and to
 * `<out>/models/<id>/mobile/` unchecked, so `bench run --model` wrote
 * `../../../../bench.config.mjs` into the user's project (executed by the
 * next command) and copied a private key from outside the model's package
 * into the out folder. Now each such entry is one line naming it, the model
 * is skipped, and nothing is read or written.
 */
describe('shard paths never leave the model folder', () => {
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
});

/**
 * Importing a user's model first removes its old folder `<out>/models/<id>`;
 * with `<out>/models` planted as a link to another folder, the old code's
 * `rm -rf` deleted that folder's `<id>`. Now the import is refused with one
 * line naming the link, and the other folder keeps its files.
 */
describe('a planted models link is not followed', () => {
  test('a user model import does not follow a planted models link to delete another folder', async () => {
    const root = await tempDir('user-model-models-link');
    try {
      const tiny = await makeTinyArtifact(join(root, 'source'));
      const other = join(root, 'other-project');
      mkdirSync(join(other, 'mine'), { recursive: true });
      writeFileSync(join(other, 'mine', 'keep.txt'), 'keep\n');
      const out = join(root, 'out');
      mkdirSync(out);
      symlinkSync(other, join(out, 'models'));
      await assert.rejects(
        importUserModel({ path: tiny.modelJsonPath, id: 'mine' }, { out, log: memoryLogger() }),
        (error: unknown) => error instanceof UserError && error.code === 'OUT_LINK' && !error.message.includes('\n') && error.message.includes(join(out, 'models')),
      );
      assert.equal(readFileSync(join(other, 'mine', 'keep.txt'), 'utf8'), 'keep\n');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
