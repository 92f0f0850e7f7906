/**
 * A metadata.json that comes with a model is checked field by field (zod)
 * before any value is used: each invalid field is one line naming the file
 * and the field. The audit's values: inputSize -5, 0, 2.5, 1e999, 1e9
 * (stack traces from sharp, or RangeError) and normalisation Infinity or 0
 * (NaN outputs recorded as agreement).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { checkFeeding, parseMetadataFile } from '../../harness/core/metadata.ts';
import { readLabelsFile, readMetadataFile } from '../../models/metadata-file.ts';

function refused(text: string, message: string | RegExp): void {
  assert.throws(
    () => parseMetadataFile(text, 'm/metadata.json'),
    (error: unknown) => {
      assert.ok(error instanceof UserError && error.code === 'MODEL_METADATA_INVALID', String(error));
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

test('inputSize must be an integer between 8 and 4096', () => {
  for (const value of ['-5', '0', '2.5', '1e999', '1e9', '"224"', 'null', '4']) {
    const shown = { '1e999': 'Infinity', '1e9': '1000000000', null: 'null' }[value] ?? value;
    refused(`{"inputSize": ${value}}`, `m/metadata.json: inputSize must be an integer between 8 and 4096, got ${shown}`);
  }
  assert.equal(parseMetadataFile('{"inputSize": 224}', 'm').inputSize, 224);
});

test('normalization must be finite, with a scale other than 0, and map pixels to a sane range', () => {
  refused('{"normalization": {"scale": 1e999, "offset": 0}}', 'm/metadata.json: normalization scale must be a finite number other than 0, got Infinity');
  refused('{"normalization": {"scale": 0, "offset": -1}}', 'm/metadata.json: normalization scale must be a finite number other than 0, got 0');
  refused('{"normalization": {"scale": 1, "offset": "x"}}', 'm/metadata.json: normalization offset must be a finite number, got "x"');
  refused('{"normalization": {"scale": 1e10, "offset": 0}}', 'm/metadata.json: normalization maps pixels 0..255 to [0, 2550000000000], beyond ±1000000');
  refused('{"normalization": [0, 1]}', 'm/metadata.json: normalization must be { scale, offset }, got an array');
  assert.deepEqual(parseMetadataFile('{"normalization": {"scale": 0.00784313725490196, "offset": -1}}', 'm').normalization, { scale: 0.00784313725490196, offset: -1 });
});

test('class names are a bounded array of strings, under either key', () => {
  refused('{"classNames": "cat,dog"}', 'm/metadata.json: classNames must be an array of class names, got "cat,dog"');
  refused('{"labels": ["cat", 3]}', 'm/metadata.json: labels[1] must be a string, got 3');
  refused(`{"classNames": ["${'x'.repeat(1001)}"]}`, 'm/metadata.json: classNames[0] must be at most 1000 characters');
  refused(`{"classNames": ${JSON.stringify(Array.from({ length: 100_001 }, () => 'a'))}}`, 'm/metadata.json: classNames must hold at most 100000 class names');
  assert.deepEqual(parseMetadataFile('{"labels": ["cat", "dog"], "training": {"steps": 3}}', 'm').labels, ['cat', 'dog'], 'other keys pass through');
});

test('not JSON, or not an object, is one line too; several problems are counted', () => {
  refused('{not json', /^m\/metadata\.json: not JSON \(Expected property name .*\); fix or remove it$/);
  refused('[1]', 'm/metadata.json: must be a JSON object, got an array');
  refused('{"inputSize": 0, "normalization": {"scale": 0, "offset": 0}}', 'm/metadata.json: inputSize must be an integer between 8 and 4096, got 0 (and 1 more problem)');
});

test('values from flags or the model itself are held to the same rules', () => {
  assert.throws(() => checkFeeding({ inputSize: 100000, normalization: { scale: 1, offset: 0 }, classNames: ['a'] }, 'x.tflite'), /^UserError: x\.tflite: input size must be an integer between 8 and 4096, got 100000$/);
  assert.throws(() => checkFeeding({ inputSize: 224, normalization: { scale: Number.NaN, offset: 0 }, classNames: ['a'] }, 'x.tflite'), /normalization scale must be a finite number other than 0, got NaN/);
  checkFeeding({ inputSize: 224, normalization: { scale: 1 / 127.5, offset: -1 }, classNames: ['a'] }, 'x.tflite');
});

test('metadata.json and labels.txt are read only when they really lie in the model folder, and only up to 16 MiB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgebench-metadata-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'elsewhere.json'), '{"inputSize": 96}');
  symlinkSync(join(dir, 'elsewhere.json'), join(dir, 'model', 'metadata.json'));
  await assert.rejects(readMetadataFile(join(dir, 'model', 'metadata.json')), /metadata\.json leaves the model's folder through a symbolic link/);
  writeFileSync(join(dir, 'model', 'labels.txt'), Buffer.alloc(16 * 1024 * 1024 + 1, 0x61));
  await assert.rejects(readLabelsFile(join(dir, 'model', 'labels.txt'), join(dir, 'model')), /labels\.txt is 16777217 bytes, over the 16 MiB this harness reads/);
});
