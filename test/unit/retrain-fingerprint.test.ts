/**
 * The retrain fingerprint changes with every input of the head (an image's
 * bytes, its split, the settings, the seed, the backbone) and with nothing
 * else (where the dataset lives, whether reuse is on); a backbone by URL is
 * never fingerprinted; an earlier retrain is reusable only while its files
 * are all there.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { PACK_JSON } from '../../harness/core/eval-pack.ts';
import { evalPackDir, metadataPath, mobileModelPath } from '../../harness/core/layout.ts';
import type { Dataset } from '../../models/dataset/index.ts';
import { retrainFingerprint, reusableRetrain, type FingerprintInputs } from '../../models/retrain-fingerprint.ts';
import { resolveBackbone } from '../../models/zoo.ts';
import { tempDir } from '../helpers/tmp.ts';

let root: string;

before(async () => {
  root = await tempDir('fingerprint');
  for (const [folder, file, bytes] of [['cats', 'a.png', 'one'], ['cats', 'b.png', 'two'], ['dogs', 'c.png', 'three']] as const) {
    await mkdir(join(root, 'data', folder), { recursive: true });
    await writeFile(join(root, 'data', folder, file), bytes);
  }
});
after(() => rm(root, { recursive: true, force: true }));

function dataset(base = join(root, 'data')): Dataset {
  const entry = (relPath: string, classIndex: number, split: 'train' | 'validation' | 'test') => ({ path: join(base, relPath), relPath, classIndex, label: ['cats', 'dogs'][classIndex]!, split });
  return { root: base, classNames: ['cats', 'dogs'], images: [entry('cats/a.png', 0, 'train'), entry('cats/b.png', 0, 'test'), entry('dogs/c.png', 1, 'train')], counts: {}, warnings: [] };
}

function inputs(overrides: Partial<FingerprintInputs> = {}): FingerprintInputs {
  const config = parseConfig({});
  return { spec: resolveBackbone('mobilenet_v2', config), dataset: dataset(), settings: config.retrain, seed: 1, ...overrides };
}

test('the fingerprint follows every input of the head, and nothing else', async () => {
  const base = await retrainFingerprint(inputs());
  assert.match(base ?? '', /^[0-9a-f]{64}$/);
  assert.equal(await retrainFingerprint(inputs()), base, 'stable');

  const moved = dataset();
  moved.images[1] = { ...moved.images[1]!, split: 'train' };
  assert.notEqual(await retrainFingerprint(inputs({ dataset: moved })), base, 'an image changing split');
  assert.notEqual(await retrainFingerprint(inputs({ seed: 2 })), base, 'the seed');
  const config = parseConfig({});
  assert.notEqual(await retrainFingerprint(inputs({ settings: { ...config.retrain, steps: 999 } })), base, 'a training setting');
  assert.notEqual(await retrainFingerprint(inputs({ spec: resolveBackbone('inception_v3', config) })), base, 'the backbone');
  assert.equal(await retrainFingerprint(inputs({ settings: { ...config.retrain, reuse: false } })), base, 'whether to reuse is no input');

  await writeFile(join(root, 'data', 'dogs', 'c.png'), 'three, edited');
  assert.notEqual(await retrainFingerprint(inputs()), base, "an image's bytes");
  await writeFile(join(root, 'data', 'dogs', 'c.png'), 'three');
  assert.equal(await retrainFingerprint(inputs()), base, 'the same bytes again');
});

test('a backbone loaded by URL is never fingerprinted: it can change behind its URL', async () => {
  const spec = { ...resolveBackbone('mobilenet_v2', parseConfig({})), source: { kind: 'url' as const, url: 'https://example.com/model.json' } };
  assert.equal(await retrainFingerprint(inputs({ spec })), undefined);
});

test('an earlier retrain is reusable with the same fingerprint and all its files, else not', async () => {
  const out = join(root, 'out');
  const fingerprint = 'f'.repeat(64);
  assert.equal(await reusableRetrain(out, 'm', fingerprint), undefined, 'nothing there');
  await mkdir(join(evalPackDir(out, 'm')), { recursive: true });
  await mkdir(join(mobileModelPath(out, 'm'), '..'), { recursive: true });
  await writeFile(metadataPath(out, 'm'), JSON.stringify({ model: 'm', training: { fingerprint }, createdAt: 'then' }));
  await writeFile(mobileModelPath(out, 'm'), '{}');
  assert.equal(await reusableRetrain(out, 'm', fingerprint), undefined, 'no evaluation pack yet');
  await writeFile(join(evalPackDir(out, 'm'), PACK_JSON), '{}');
  assert.equal((await reusableRetrain(out, 'm', fingerprint))?.createdAt, 'then');
  assert.equal(await reusableRetrain(out, 'm', 'e'.repeat(64)), undefined, 'another fingerprint');
  assert.equal(await reusableRetrain(out, 'm', undefined), undefined, 'no fingerprint');
  await writeFile(metadataPath(out, 'm'), 'not json');
  assert.equal(await reusableRetrain(out, 'm', fingerprint), undefined, 'unreadable metadata');
});
