import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from '../../harness/core/config.ts';
import { UserError } from '../../harness/core/errors.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { CATALOG, loadBackbone, resolveBackbone } from '../../models/zoo.ts';

let server: Server;
let baseUrl: string;
let dir: string;

before(async () => {
  // A small layers model with a named feature layer, served like a model host would.
  const input = tf.input({ shape: [16, 16, 3] });
  const conv = tf.layers.conv2d({ name: 'features_conv', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(input) as tf.SymbolicTensor;
  const flat = tf.layers.flatten().apply(conv) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor;
  dir = await mkdtemp(join(tmpdir(), 'edgebench-zoo-'));
  await saveLayersModel(tf.model({ inputs: input, outputs: output }), dir);
  server = createServer((request, response) => {
    const name = (request.url ?? '/').slice(1);
    if (name !== 'model.json' && name !== 'weights.bin') {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200);
    createReadStream(join(dir, name)).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

function custom(url: string, featureLayer: string) {
  return parseConfig({ backbones: { tiny: { url, featureLayer, inputSize: 16 } } });
}

test('a layers model by URL is cut at its named layer and pooled into a feature vector', async () => {
  const backbone = await loadBackbone(resolveBackbone('tiny', custom(`${baseUrl}/model.json`, 'features_conv')));
  assert.equal(backbone.featureSize, 4);
  const features = backbone.features.predict(tf.ones([2, 16, 16, 3])) as tf.Tensor;
  assert.deepEqual(features.shape, [2, 4]);
});

test('a model URL answering 404 is a clear error naming the URL', async () => {
  await assert.rejects(
    loadBackbone(resolveBackbone('tiny', custom(`${baseUrl}/missing/model.json`, 'features_conv'))),
    (error: unknown) => error instanceof UserError && error.message.includes(`${baseUrl}/missing/model.json`) && /404/.test(error.message),
  );
});

test('a model without the named feature layer is a clear error naming the layer', async () => {
  await assert.rejects(
    loadBackbone(resolveBackbone('tiny', custom(`${baseUrl}/model.json`, 'conv_pw_13_relu'))),
    (error: unknown) => error instanceof UserError && error.message.includes('"conv_pw_13_relu"') && error.message.includes(baseUrl),
  );
});

test('the catalog has the embedded backbones and the MobileNet v1 family', () => {
  assert.equal(resolveBackbone('mobilenet_v2').inputSize, 224);
  assert.equal(resolveBackbone('inception_v3').featureLayer, 'mixed10');
  const v1 = resolveBackbone('mobilenet_v1_0.50_224');
  assert.equal(v1.source.kind, 'url');
  assert.equal(CATALOG.filter((entry) => entry.id.startsWith('mobilenet_v1_')).length, 4);
  assert.throws(() => resolveBackbone('resnet'), (error: unknown) => error instanceof UserError && error.message.includes('mobilenet_v2'));
});

test('the embedded MobileNetV2 loads from disk and gives 1280 features', async () => {
  const backbone = await loadBackbone(resolveBackbone('mobilenet_v2'));
  assert.equal(backbone.featureSize, 1280);
  assert.deepEqual(backbone.features.inputs[0]!.shape, [null, 224, 224, 3]);
});
