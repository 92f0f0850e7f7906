/**
 * `bench convert --model graph/model.json` on a graph with an op the converter
 * has no lowering for (Floor; TF.js itself runs the graph): one error line
 * naming the node, its op and its chain of ops from the input, no stack, no
 * file written. The graph is a real model.json + weights.bin written here.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useFastestBackend } from '../../models/backend.ts';
import { loadTfjsModel } from '../../models/model-io.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

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
