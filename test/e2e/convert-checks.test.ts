/**
 * The converter through `bench convert` and the conversion functions, on small
 * models built here: one file (one test process, ~1.5 s of startup each) for
 * what were five, each behaviour its own describe block with its own setup,
 * named after it, its comment saying what it checks.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { useFastestBackend } from '../../models/backend.ts';
import { loadTfjsModel, saveLayersModel } from '../../models/model-io.ts';
import { convertLayersModel, convertModel, SelfCheckError, type CheckRuntime } from '../../models/tflite/index.ts';
import { openTfliteSession } from '../../targets/node/tflite.ts';
import { bench } from '../helpers/cli.ts';
import { compareOutputs, convertAndCompare, describe as describeResults, failedBars, predictTflite, UNIT } from '../helpers/tflite-compare.ts';
import { LAYERS, zooImages } from '../helpers/tflite-zoo.ts';
import { tempDir } from '../helpers/tmp.ts';

/**
 * `bench convert --model <model.json>` and `bench inspect` through the CLI's
 * own entry point: files land beside the model, inspect --json describes
 * them, and user mistakes are one-line errors with exit code 1.
 */
describe('bench convert and bench inspect through the CLI', () => {
  /** `bench <argv>` in this process (test/helpers/cli.ts). */
  const cli = (argv: string[]) => bench(argv);

  test('bench convert --model converts any layers model beside it, and bench inspect --json describes the files', async () => {
    const dir = await tempDir('convert-command');
    const input = tf.input({ shape: [16, 16, 3] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
    const modelJson = await saveLayersModel(tf.model({ inputs: input, outputs: x }), join(dir, 'small'));

    const converted = await cli(['convert', '--model', modelJson, '--variants', 'float32,float16', '--out', join(dir, 'out'), '--json']);
    assert.equal(converted.code, 0, converted.stderr);
    const result = JSON.parse(converted.stdout) as { files: { variant: string; path: string; bytes: number }[] };
    assert.deepEqual(result.files.map((file) => file.variant), ['float32', 'float16']);
    for (const file of result.files) assert.ok(existsSync(file.path) && file.path.startsWith(join(dir, 'small')), file.path);

    const inspected = await cli(['inspect', result.files[1]!.path, '--json']);
    assert.equal(inspected.code, 0, inspected.stderr);
    const summary = JSON.parse(inspected.stdout) as { inputs: { name: string; shape: number[] }[]; operators: Record<string, number>; weightBytes: Record<string, number> };
    assert.deepEqual(summary.inputs[0]!.shape, [1, 16, 16, 3]);
    assert.deepEqual(summary.operators, { DEQUANTIZE: 2, CONV_2D: 1, MEAN: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 });
    assert.equal(summary.weightBytes.float16, 2 * (3 * 3 * 3 * 4 + 4 * 3), 'two bytes per kernel weight');

    const human = await cli(['inspect', result.files[0]!.path]);
    assert.match(human.stderr, /inputs:\n {2}image {2}float32 {2}\[1, 16, 16, 3\]/);
    assert.match(human.stderr, /signature serving_default: image → probabilities/);
  });

  test('bench convert and inspect turn user mistakes into one-line errors', async () => {
    const dir = await tempDir('convert-errors');
    const missing = await cli(['convert', '--model', join(dir, 'nope', 'model.json'), '--out', dir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: model not found: .*nope\/model\.json\n$/);

    const notTflite = await cli(['inspect', join(process.cwd(), 'package.json')]);
    assert.equal(notTflite.code, 1);
    assert.match(notTflite.stderr, /not a \.tflite file/);

    const badVariant = await cli(['convert', '--variants', 'float64', '--out', dir]);
    assert.equal(badVariant.code, 1);
    assert.match(badVariant.stderr, /convert\.variants/);
  });
});

/**
 * `bench convert --model graph/model.json` on a graph with an op the converter
 * has no lowering for (Floor; TF.js itself runs the graph): one error line
 * naming the node, its op and its chain of ops from the input, no stack, no
 * file written. The graph is a real model.json + weights.bin written here.
 */
describe('a graph op the converter cannot lower', () => {
  let dir: string;
  let modelJson: string;

  const float = { T: { type: 'DT_FLOAT' } };
  const nhwc = Buffer.from('NHWC').toString('base64');

  /** input → Conv2D → Relu → Floor → Mean → Softmax, as tensorflowjs_converter writes a graph model. */
  async function writeGraphWithFloor(folder: string): Promise<string> {
    await mkdir(folder, { recursive: true });
    const filter = Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, index) => Math.sin(index) * 0.5);
    const axes = Int32Array.of(1, 2);
    const node = [
      { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } } } },
      { name: 'features/filter', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '3' }, { size: '3' }, { size: '4' }] } } } } },
      { name: 'head/axes', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } } } },
      {
        name: 'features/Conv2D',
        op: 'Conv2D',
        input: ['input', 'features/filter'],
        attr: { ...float, strides: { list: { i: ['1', '1', '1', '1'] } }, dilations: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: Buffer.from('SAME').toString('base64') }, data_format: { s: nhwc } },
      },
      { name: 'features/Relu', op: 'Relu', input: ['features/Conv2D'], attr: float },
      { name: 'features/Floor', op: 'Floor', input: ['features/Relu'], attr: float },
      { name: 'head/Mean', op: 'Mean', input: ['features/Floor', 'head/axes'], attr: { ...float, keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } } },
      { name: 'head/Softmax', op: 'Softmax', input: ['head/Mean'], attr: float },
      { name: 'Identity', op: 'Identity', input: ['head/Softmax'], attr: float },
    ];
    const weights = [
      { name: 'features/filter', shape: [3, 3, 3, 4], dtype: 'float32' },
      { name: 'head/axes', shape: [2], dtype: 'int32' },
    ];
    await writeFile(join(folder, 'weights.bin'), Buffer.concat([Buffer.from(filter.buffer), Buffer.from(axes.buffer)]));
    const json = { format: 'graph-model', generatedBy: 'edgebench test', convertedBy: null, modelTopology: { node, versions: { producer: 1 } }, weightsManifest: [{ paths: ['weights.bin'], weights }] };
    const path = join(folder, 'model.json');
    await writeFile(path, JSON.stringify(json));
    return path;
  }

  before(async () => {
    dir = await tempDir('convert-graph-op');
    modelJson = await writeGraphWithFloor(join(dir, 'floor'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('the graph is a working TF.js model: TF.js runs it', async () => {
    await useFastestBackend();
    const model = (await loadTfjsModel(modelJson)) as tf.GraphModel;
    const output = model.predict(tf.ones([1, 8, 8, 3])) as tf.Tensor;
    assert.deepEqual(output.shape, [1, 4]);
    assert.ok(Math.abs((await output.sum().data())[0]! - 1) < 1e-5);
    output.dispose();
    model.dispose();
  });

  test('an op the converter cannot lower is one line naming the node, its op and where it is; nothing written', async () => {
    const result = await bench(['convert', '--model', modelJson, '--variants', 'float32'], { cwd: dir });
    assert.equal(result.code, 1, result.stderr);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0]!, /cannot convert node "features\/Floor" \(Floor\) \(3 ops from input "input": input → Conv2D → Relu → here\): this op has no TFLite lowering in the converter \(supported: .*Conv2D.*\)/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(readdirSync(join(dir, 'floor')).some((file) => file.endsWith('.tflite')), false);
    assert.equal(existsSync(join(dir, '.bench')), false);
  });
});

/**
 * Merges of three or more inputs (Add, Multiply) followed by a ReLU convert to
 * the function TF.js computes, in all four variants. The lowering chains binary
 * ops; the ReLU then fuses into the last of them only. It used to fuse into
 * every op of the chain (they shared one options object), so the partial sums
 * were clipped too: float32 was off by 1.6 on outputs up to 4.6.
 */
describe('merges of three or more inputs', () => {
  type T = tf.SymbolicTensor;
  const SIZE = 8;
  const IMAGES = 8;

  /** input → three 3×3 conv branches (outputs of both signs) → merge → ReLU. */
  function mergeThenRelu(merge: (config: object) => tf.layers.Layer, seed: number): tf.LayersModel {
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const branches = [0, 1, 2].map(
      (branch) =>
        tf.layers
          .conv2d({
            filters: 4,
            kernelSize: 3,
            padding: 'same',
            kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: seed + branch }),
            biasInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: seed + 10 + branch }),
          })
          .apply(input) as T,
    );
    const merged = merge({ name: 'merged' }).apply(branches) as T;
    return tf.model({ inputs: input, outputs: tf.layers.reLU({}).apply(merged) as T });
  }

  for (const [name, merge, seed] of [
    ['Add', tf.layers.add, 1],
    ['Multiply', tf.layers.multiply, 31],
  ] as const) {
    test(`a three-input ${name} followed by ReLU converts in all four variants within their bounds`, async (t) => {
      const model = mergeThenRelu(merge, seed);
      const calibration = Float32Array.from(zooImages(32, SIZE, 'calibration'), (pixel) => pixel / 255);
      const results = await convertAndCompare(model, zooImages(IMAGES, SIZE, 'n-ary'), IMAGES, calibration);
      t.diagnostic(describeResults(results));
      assert.deepEqual(failedBars(results), []);
      model.dispose();
    });
  }
});

/**
 * The self-check at the end of every conversion, through `bench convert`:
 * each variant's file is run on tfjs-tflite-node against the TF.js model and
 * its max |Δ| and top-1 agreement are in the output and in --json; a float32
 * file that computes another function is an error; nothing is written unless
 * every variant converted; a model.json naming a layer TF.js lacks is one line.
 */
describe('the self-check of every conversion', () => {
  /** `bench <argv>` in this process (test/helpers/cli.ts). */
  const cli = (argv: string[]) => bench(argv);

  /** A class-per-folder image set (two classes of 6 PNGs) for int8 calibration. */
  async function imageFolder(root: string, size: number): Promise<void> {
    const pixels = zooImages(12, size, 'folder');
    for (let n = 0; n < 12; n++) {
      const folder = join(root, n % 2 ? 'odd' : 'even');
      await mkdir(folder, { recursive: true });
      await sharp(Buffer.from(pixels.subarray(n * size * size * 3, (n + 1) * size * size * 3)), { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(folder, `${n}.png`));
    }
  }

  test('bench convert reports each variant’s self-check in its output and --json', async () => {
    const dir = await tempDir('self-check');
    const model = LAYERS.find((entry) => entry.name === 'activation_swish')!.build();
    const modelJson = await saveLayersModel(model, join(dir, 'swish'));
    await imageFolder(join(dir, 'images'), 16);
    const converted = await cli(['convert', '--model', modelJson, '--images', join(dir, 'images'), '--out', join(dir, 'out'), '--json']);
    assert.equal(converted.code, 0, converted.stderr);
    const { files } = JSON.parse(converted.stdout) as { files: { variant: string; check: { runtime: string; images: number; maxDelta: number; agreement: number; tolerance?: number } }[] };
    assert.deepEqual(files.map((file) => file.variant), ['float32', 'float16', 'int8-dynamic', 'int8']);
    for (const { variant, check } of files) {
      assert.equal(check.runtime, 'tflite-node', variant);
      assert.equal(check.images, 8, variant);
      assert.ok(check.agreement >= 0 && check.agreement <= 1 && check.maxDelta >= 0, variant);
    }
    const float32 = files[0]!.check;
    assert.ok(float32.maxDelta <= 1e-4 && float32.agreement === 1 && float32.tolerance === 1e-4, JSON.stringify(float32));
    assert.ok(files[3]!.check.maxDelta > float32.maxDelta, 'int8 is measured, not copied from float32');
    assert.match(converted.stderr, /float32 → .*swish\/model\.float32\.tflite \(.*checked on tflite-node, 8 images: max \|Δ\| \d\.\de-\d+, top-1 agreement 100%\)/);
    assert.match(converted.stderr, /int8 → .*swish\/model\.int8\.tflite \(.*checked on tflite-node, 8 images: max \|Δ\| /);
    model.dispose();
  });

  test('a float32 file that computes another function is a SelfCheckError, raised before any file is returned to be written', async () => {
    const model = LAYERS.find((entry) => entry.name === 'leaky_relu')!.build();
    const other = LAYERS.find((entry) => entry.name === 'prelu')!.build();
    const wrongBytes = await convertLayersModel(other, { variant: 'float32' });
    // The real runtime, handed a file of another model: what a converter bug would produce.
    const wrongFile: CheckRuntime = { name: 'tflite-node', open: (_bytes, normalization) => openTfliteSession({ bytes: wrongBytes, normalization, threads: 1, batchSize: 1 }) };
    await assert.rejects(
      convertModel({ model, name: 'leaky', variants: ['float16', 'float32'], check: { runtime: wrongFile, pixels: zooImages(8, 16, 'wrong'), count: 8 } }),
      (error: unknown) => error instanceof SelfCheckError && /leaky: the float32 file differs from the TF\.js model by up to \d\.\d+e[-+]\d+ on 8 images on tflite-node \(allowed 1\.0e-4\)/.test(error.message),
    );
    model.dispose();
    other.dispose();
  });

  test('an int8 variant that cannot calibrate leaves no float32 file behind', async () => {
    const dir = await tempDir('no-partial');
    const model = LAYERS.find((entry) => entry.name === 'cropping')!.build();
    const modelJson = await saveLayersModel(model, join(dir, 'crop'));
    await mkdir(join(dir, 'empty'), { recursive: true });
    const result = await cli(['convert', '--model', modelJson, '--variants', 'float32,int8', '--images', join(dir, 'empty'), '--normalization', 'unit', '--out', join(dir, 'out')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: no images found in .*empty: expected one sub-folder per class/);
    assert.ok(!existsSync(join(dir, 'crop', 'model.float32.tflite')), 'the float32 file was not written before int8 failed');
    model.dispose();
  });

  test('bench convert of a model.json naming a layer TF.js does not have: one error line, exit code 1', async () => {
    const dir = await tempDir('subtract');
    const input = tf.input({ shape: [8, 8, 3] });
    const a = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const modelJson = await saveLayersModel(tf.model({ inputs: input, outputs: tf.layers.add({ name: 'difference' }).apply([a, b]) as tf.SymbolicTensor }), join(dir, 'subtract'));
    const json = JSON.parse(await readFile(modelJson, 'utf8'));
    json.modelTopology.config.layers.find((layer: { name: string }) => layer.name === 'difference').class_name = 'Subtract';
    await writeFile(modelJson, JSON.stringify(json));
    const result = await cli(['convert', '--model', modelJson, '--variants', 'float32', '--normalization', 'unit', '--out', join(dir, 'out')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: .*model\.json: the model uses the layer "Subtract" \(layer "difference"\), which TF\.js 4\.22\.0 does not implement.*\n$/);
  });
});

/**
 * The self-check is derived from the float32 file: float32 is converted and
 * checked against the TF.js model first (even when not asked for), and every
 * other variant is checked against the float32 file's outputs on the same
 * images. When float32 computes another function, no variant is converted.
 */
describe('the self-check derived from the float32 file', () => {
  const tfliteNode: CheckRuntime = { name: 'tflite-node', open: (bytes, normalization) => openTfliteSession({ bytes, normalization, threads: 1, batchSize: 1 }) };

  test('float16 and int8 are checked against the float32 file, which is converted and checked against TF.js even when not asked for', async () => {
    const model = LAYERS.find((entry) => entry.name === 'activation_swish')!.build();
    const size = model.inputs[0]!.shape[1]!;
    const pixels = zooImages(8, size, 'basis');
    const calibration = Float32Array.from(zooImages(16, size, 'calibration'), (pixel) => pixel * UNIT.scale);
    const converted = await convertModel({ model, name: 'swish', variants: ['float16', 'int8'], normalization: UNIT, calibration: async () => calibration, check: { runtime: tfliteNode, pixels, count: 8 } });
    assert.deepEqual(converted.map((file) => file.variant), ['float16', 'int8']);

    // The float32 function, computed here independently of the converter's check.
    const float32 = await predictTflite(await convertLayersModel(model, { variant: 'float32', normalization: UNIT }), pixels, 8);
    const classes = model.outputs[0]!.shape.at(-1)!;
    for (const { variant, bytes, check } of converted) {
      assert.ok(check && 'maxDelta' in check, variant);
      assert.equal(check.against, 'float32', variant);
      assert.deepEqual({ maxDelta: check.maxDelta, agreement: check.agreement }, compareOutputs(float32, await predictTflite(bytes, pixels, 8), classes), variant);
    }
    model.dispose();
  });

  test('when the float32 file computes another function, no other variant is converted', async () => {
    const model = LAYERS.find((entry) => entry.name === 'leaky_relu')!.build();
    const other = LAYERS.find((entry) => entry.name === 'prelu')!.build();
    const wrongBytes = await convertLayersModel(other, { variant: 'float32' });
    // The real runtime handed another model's file: what a lowering bug would produce.
    const wrongFile: CheckRuntime = { name: 'tflite-node', open: (_bytes, normalization) => openTfliteSession({ bytes: wrongBytes, normalization, threads: 1, batchSize: 1 }) };
    const variantsDone: string[] = [];
    let calibrationAsked = false;
    await assert.rejects(
      convertModel({
        model,
        name: 'leaky',
        variants: ['float16', 'int8-dynamic', 'int8'],
        calibration: async () => {
          calibrationAsked = true;
          return Float32Array.from(zooImages(4, 16, 'calibration'), (pixel) => pixel * UNIT.scale);
        },
        check: { runtime: wrongFile, pixels: zooImages(8, 16, 'wrong'), count: 8 },
        onVariant: (variant) => variantsDone.push(variant),
      }),
      (error: unknown) => error instanceof SelfCheckError && /^leaky: the float32 file differs from the TF\.js model/.test(error.message),
    );
    assert.deepEqual(variantsDone, []);
    assert.equal(calibrationAsked, false, 'int8 was not calibrated, let alone converted');
    model.dispose();
    other.dispose();
  });
});
