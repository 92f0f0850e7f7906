import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { loadConfig } from '../../harness/config-file.ts';
import { UserError } from '../../harness/core/errors.ts';

test('defaults fill every section', () => {
  const config = parseConfig({});
  assert.equal(config.out, '.bench');
  assert.deepEqual(config.models, ['mobilenet_v2', 'inception_v3']);
  assert.equal(config.dataset.validationPercent, 10);
  assert.equal(config.retrain.distortions.flipLeftRight, false);
  assert.deepEqual(config.run.batchSizes, [1]);
  assert.equal(config.run.rounds, 2);
  assert.equal(config.compare.correction, 'holm');
});

test('a misspelt key is an error naming its path', () => {
  assert.throws(
    () => parseConfig({ retrain: { stepz: 10 } }),
    (error: unknown) => error instanceof UserError && /retrain\.stepz: unknown key/.test(error.message),
  );
});

test('a wrong type is an error naming its path', () => {
  assert.throws(
    () => parseConfig({ run: { minSamples: 'many' } }),
    (error: unknown) => error instanceof UserError && /run\.minSamples: .*expected number/.test(error.message),
  );
});

test('splits that leave nothing for training are refused', () => {
  assert.throws(() => parseConfig({ dataset: { validationPercent: 50, testPercent: 50 } }), /must leave images for training/);
});

test('bench.config.ts is found in the working folder and CLI flags override it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgebench-config-'));
  await writeFile(
    join(dir, 'bench.config.ts'),
    `import { defineConfig } from '${join(import.meta.dirname, '..', '..', 'harness', 'core', 'config.ts')}';\nexport default defineConfig({ models: ['mobilenet_v2'], retrain: { steps: 7, learningRate: 0.1 } });\n`,
  );
  const { config, file } = await loadConfig({ cwd: dir, overrides: { retrain: { steps: 9 } } });
  assert.equal(file, join(dir, 'bench.config.ts'));
  assert.deepEqual(config.models, ['mobilenet_v2']);
  assert.equal(config.retrain.steps, 9, 'the flag wins over the file');
  assert.equal(config.retrain.learningRate, 0.1, 'the file wins over the default');
});

test('a config file with a misspelt key names the file and the key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edgebench-config-'));
  await writeFile(join(dir, 'bench.config.json'), JSON.stringify({ dataset: { imagez: 'x' } }));
  await assert.rejects(loadConfig({ cwd: dir }), (error: unknown) => error instanceof UserError && error.message.includes('bench.config.json') && error.message.includes('dataset.imagez: unknown key'));
});
