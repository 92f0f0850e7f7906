/**
 * The fast feature engine's converted backbone is kept in the out folder's
 * cache (models/backbone-tflite.ts): a second retrain of the same backbone
 * reads the very bytes the first converted; another backbone (other
 * weights) converts again and replaces it; a kept file that no longer
 * hashes to its name, a link in its place or a linked cache folder is never
 * read or written through. A 16 px one-conv backbone on TF.js cpu.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { backboneTfliteDir } from '../../harness/core/layout.ts';
import { backboneTflite, backboneTfliteKey } from '../../models/backbone-tflite.ts';
import type { Backbone } from '../../models/zoo.ts';
import { tempDir } from '../helpers/tmp.ts';

const ID = 'tinyconv';
const folders: string[] = [];
after(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function out(): Promise<string> {
  const folder = await tempDir('backbone-tflite');
  folders.push(folder);
  return folder;
}

function backbone(seed: number): Backbone {
  const input = tf.input({ shape: [16, 16, 3] });
  const conv = tf.layers.conv2d({ name: 'features', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv) as tf.SymbolicTensor;
  return {
    spec: { id: ID, description: 'a test backbone', inputSize: 16, normalization: { scale: 1 / 255, offset: 0 }, featureLayer: 'features', source: { kind: 'url', url: 'memory' } },
    features: tf.model({ inputs: input, outputs: pooled }),
    featureSize: 4,
  };
}

const keptFiles = (folder: string) => (existsSync(backboneTfliteDir(folder, ID)) ? readdirSync(backboneTfliteDir(folder, ID)).filter((name) => name.endsWith('.tflite')) : []);

test('converted once, then read back byte for byte; another backbone converts again and replaces it', async () => {
  await tf.setBackend('cpu');
  const folder = await out();
  const first = backbone(1);
  const converted = await backboneTflite(first, { out: folder });
  assert.equal(converted.kept, false);
  assert.deepEqual(keptFiles(folder).map((name) => name.split('-')[0]), [backboneTfliteKey(first)]);

  const again = await backboneTflite(first, { out: folder });
  assert.equal(again.kept, true, 'read from the cache');
  assert.deepEqual(again.bytes, converted.bytes);

  // The same layers with other weights: another key, converted again, one file per backbone.
  const other = backbone(2);
  assert.notEqual(backboneTfliteKey(other), backboneTfliteKey(first));
  const otherFile = await backboneTflite(other, { out: folder });
  assert.equal(otherFile.kept, false);
  assert.notDeepEqual(otherFile.bytes, converted.bytes);
  assert.deepEqual(keptFiles(folder).map((name) => name.split('-')[0]), [backboneTfliteKey(other)]);
  assert.equal((await backboneTflite(first, { out: folder })).kept, false, 'the first backbone converts again');

  // Without an out folder nothing is kept anywhere.
  assert.equal((await backboneTflite(first)).kept, false);
  first.features.dispose();
  other.features.dispose();
});

test('a kept file whose bytes changed, or a link in its place, is converted again', async () => {
  await tf.setBackend('cpu');
  const folder = await out();
  const model = backbone(3);
  const { bytes } = await backboneTflite(model, { out: folder });
  const [name] = keptFiles(folder);
  const path = join(backboneTfliteDir(folder, ID), name!);

  const damaged = Uint8Array.from(bytes);
  damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 0xff;
  writeFileSync(path, damaged);
  const afterDamage = await backboneTflite(model, { out: folder });
  assert.equal(afterDamage.kept, false, 'bytes that no longer hash to the name are not read');
  assert.deepEqual(afterDamage.bytes, bytes);
  assert.deepEqual(readFileSync(path), Buffer.from(bytes), 'written whole again');

  // The very bytes, but through a link: not followed.
  const elsewhere = join(folder, 'elsewhere.tflite');
  writeFileSync(elsewhere, bytes);
  await rm(path);
  symlinkSync(elsewhere, path);
  assert.equal((await backboneTflite(model, { out: folder })).kept, false);
  model.features.dispose();
});

test('a cache folder that is a link is neither read nor written through', async () => {
  await tf.setBackend('cpu');
  const folder = await out();
  const outside = await out();
  const model = backbone(4);
  // A first conversion kept outside, then the out folder's cache pointing there.
  await backboneTflite(model, { out: outside });
  mkdirSync(folder, { recursive: true });
  symlinkSync(join(outside, 'cache'), join(folder, 'cache'));
  const kept = () => readdirSync(backboneTfliteDir(outside, ID)).map((name) => [name, statSync(join(backboneTfliteDir(outside, ID), name)).ino]);
  const before = kept();

  const converted = await backboneTflite(model, { out: folder });
  assert.equal(converted.kept, false, 'the file behind the linked folder is not read');
  assert.deepEqual(kept(), before, 'nothing written through the linked folder (a rename into place would change the inode)');
  assert.ok(converted.bytes.length > 0);
  model.features.dispose();
});
