/**
 * `models` entries and `--model` values: retrained ids and the user's own
 * models by path (string or object) are told apart and validated; the flags
 * that describe a path model become its config object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isModelPath, modelIds, parseConfig, userModels } from '../../harness/core/config.ts';
import { modelOverrides } from '../../harness/commands/run.ts';
import { parseNormalization } from '../../harness/commands/common.ts';
import { tfliteVariant, userModelId } from '../../models/user-model.ts';

test('ids and paths are told apart, in config order', () => {
  const config = parseConfig({ models: ['mobilenet_v2', './m/model.json', 'net.tflite', { path: 'x/y.tflite', id: 'mine', inputSize: 96 }] });
  assert.deepEqual(modelIds(config), ['mobilenet_v2']);
  assert.deepEqual(userModels(config), [{ path: './m/model.json' }, { path: 'net.tflite' }, { path: 'x/y.tflite', id: 'mine', inputSize: 96 }]);
  assert.equal(isModelPath('inception_v3'), false);
});

test('a bad entry names its path in the config', () => {
  assert.throws(() => parseConfig({ models: ['bad id!'] }), /models\.0: a models entry is a model id/);
  assert.throws(() => parseConfig({ models: [{ path: 'a.tflite', id: '../up' }] }), /models\.0/);
  assert.throws(() => parseConfig({ models: [{ path: 'a.tflite', size: 3 }] }), /models\.0/);
});

test('--normalization min,max and the describing flags go onto path entries only', () => {
  assert.deepEqual(parseNormalization('-1,1'), { scale: 2 / 255, offset: -1 });
  assert.deepEqual(parseNormalization('0,1'), { scale: 1 / 255, offset: 0 });
  assert.deepEqual(parseNormalization('signed'), parseNormalization('-1,1'));
  assert.deepEqual(parseNormalization('unit'), parseNormalization('0,1'));
  assert.throws(() => parseNormalization('1'), /--normalization "1"/);
  assert.throws(() => parseNormalization('1,1'), /--normalization "1,1"/);
  assert.throws(() => parseNormalization('0,Infinity'), /--normalization "0,Infinity"/);
  assert.deepEqual(modelOverrides({ model: 'mobilenet_v2,a/model.json', 'input-size': '96', normalization: '0,1', labels: 'l.txt' }).values.models, [
    'mobilenet_v2',
    { path: 'a/model.json', inputSize: 96, normalization: { scale: 1 / 255, offset: 0 }, labels: 'l.txt' },
  ]);
});

test('ids: a .tflite by its stem, a model.json by its folder, unsafe characters replaced', () => {
  assert.equal(userModelId('/m/my net.tflite'), 'my_net');
  assert.equal(userModelId('/models/mobilenet_v2_mid/model.json'), 'mobilenet_v2_mid');
  assert.equal(userModelId('/models/classifier.json'), 'classifier');
});

test('a .tflite files under the variant its tensor types say', () => {
  assert.equal(tfliteVariant('FLOAT32', ['FLOAT32']), 'float32');
  assert.equal(tfliteVariant('FLOAT32', ['FLOAT16', 'INT32']), 'float16');
  assert.equal(tfliteVariant('FLOAT32', ['INT8', 'FLOAT32']), 'int8-dynamic');
  assert.equal(tfliteVariant('UINT8', ['INT8']), 'int8');
  // As inspectTflite names them (lower case): an int8 file is not filed as float32.
  assert.equal(tfliteVariant('int8', ['int8', 'int32']), 'int8');
  assert.equal(tfliteVariant('float32', ['int8', 'float32']), 'int8-dynamic');
  assert.equal(tfliteVariant('float32', ['float16']), 'float16');
});
