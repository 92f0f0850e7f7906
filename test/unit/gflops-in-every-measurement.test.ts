/**
 * Every measurement gets its achieved GFLOP/s: the model's FLOPs (counted once
 * from the Mobile artifact's graph and cached by its sha256) × batch / p50,
 * written by the record store; a model it cannot count has none.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { attachFlops, flopsCachePath } from '../../harness/model-flops.ts';
import { RunRecordStore } from '../../harness/record-store.ts';
import { parseConfig } from '../../harness/core/config.ts';
import type { ArtifactInfo } from '../../harness/core/record.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { measurement } from '../fixtures/report-records.ts';
import { formatSummary } from '../../reports/run-summary.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { tempDir } from '../helpers/tmp.ts';

const artifact = (format: 'tfjs' | 'tflite', variant: 'float32' | 'int8', path: string, sha256: string): ArtifactInfo => ({
  id: `tiny/${format}/${variant}`, model: 'tiny', format, variant, path, bytes: 1, gzipBytes: 1, sha256,
});

test('a model\'s FLOPs reach all its artifacts, are cached, and a measurement gets FLOPs × batch / p50', async () => {
  const out = await tempDir('gflops');
  const input = tf.input({ shape: [8, 8, 3] });
  const output = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  const modelJson = await saveLayersModel(tf.model({ inputs: input, outputs: output }), join(out, 'tiny'));
  const artifacts = [artifact('tfjs', 'float32', modelJson, 'aaa'), artifact('tflite', 'int8', join(out, 'x.tflite'), 'bbb')];
  await attachFlops(out, [{ artifacts }]);
  // 8×8×4 outputs × 27 multiply-adds × 2.
  assert.deepEqual(artifacts.map((entry) => entry.flops), [13824, 13824]);
  assert.deepEqual(JSON.parse(readFileSync(flopsCachePath(out), 'utf8')), { aaa: 13824 });

  // The cache answers without loading the model again: a changed cached figure shows through.
  await writeFile(flopsCachePath(out), JSON.stringify({ aaa: 2e9 }));
  const again = [artifact('tfjs', 'float32', '/nowhere/model.json', 'aaa')];
  await attachFlops(out, [{ artifacts: again }]);
  assert.equal(again[0]!.flops, 2e9);

  const store = RunRecordStore.create(out, { host: {} as never, config: parseConfig({}), artifacts: [{ ...again[0]! }], training: [], runtimeSizes: [] }, { key: { reason: 'no key in this test' } });
  const first = measurement({ model: 'tiny', samples: [20, 20, 20], batchSize: 2 });
  store.addMeasurement(first);
  assert.equal(store.record.measurements[0]!.gflops, 200);
  // A later round replaces the measurement it was given (found by identity), never adds a second.
  store.replaceMeasurement(first, measurement({ model: 'tiny', samples: [10, 10, 10], batchSize: 2 }));
  assert.equal(store.record.measurements.length, 1);
  // 2e9 FLOPs × 2 images in 10 ms = 400 GFLOP/s.
  assert.equal(store.record.measurements[0]!.gflops, 400);
  store.addMeasurement(measurement({ model: 'tiny', format: 'tflite', variant: 'int8', samples: [10] }));
  assert.equal(store.record.measurements[1]!.gflops, undefined, 'an artifact with no counted FLOPs has no GFLOP/s');
  // The terminal table and the markdown carry it, "–" where unknown.
  const [header, , ...rows] = formatSummary(store.record);
  assert.match(header!, /p99\s+GFLOP\/s/);
  assert.deepEqual(rows.map((line) => /\s(400|–)\s/.exec(line)?.[1]).sort(), ['400', '–']);
  assert.match(renderMarkdown(store.record), /\| 400 \|/);
});

test('a model the converter cannot lower has no FLOPs, and the run goes on', async () => {
  const out = await tempDir('gflops-none');
  const artifacts = [artifact('tfjs', 'float32', join(out, 'missing', 'model.json'), 'ccc')];
  await attachFlops(out, [{ artifacts }]);
  assert.equal(artifacts[0]!.flops, undefined);
});
