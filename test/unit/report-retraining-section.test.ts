/**
 * The report's "Retraining on each device": retrain measurements leave the
 * inference tables and charts and get their own rows (time to retrain,
 * extraction images/s, ms per step, accuracy beside the host's, diverged
 * marked), a failed retrain job its phase, and one stacked chart of
 * extraction + training time; a run without the workload has no section.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement } from '../../harness/core/record.ts';
import { buildReportData } from '../../reports/data.ts';
import { renderHtml } from '../../reports/html.ts';
import { failure, measurement, record } from '../fixtures/report-records.ts';

function retrained(runtime: string, extractionMs: number, trainingMs: number, accuracy: number, diverged: boolean): Measurement {
  const base = measurement({ model: 'mobilenet_v2', runtime, samples: [5, 6, 7], accuracy });
  return {
    ...base,
    key: { ...base.key, options: { batch: 100, steps: 3, images: 24 }, workload: 'retrain' },
    retrain: {
      extraction: { images: 24, batchSize: 8, ms: extractionMs, imagesPerSecond: 24000 / extractionMs },
      training: { steps: 3, batchSize: 100, ms: trainingMs, msPerStep: trainingMs / 3, finalLoss: 0.3 },
      timeToRetrainMs: extractionMs + trainingMs,
      accuracy,
      host: { accuracy: 0.8, backend: 'tfjs-wasm', tolerance: 0.1 },
      diverged,
    },
  };
}

test('retrain measurements get their own section and chart, not the inference tables', () => {
  const failed = failure({ model: 'mobilenet_v2', format: 'tfjs', variant: 'float32', runtime: 'tfjs-cpu', message: 'out of memory\nstack' });
  const run = record({
    runId: 'r',
    measurements: [measurement({ model: 'mobilenet_v2', samples: [10, 11, 12] }), retrained('tfjs-wasm', 2400, 600, 0.8, false), retrained('tfjs-webgl', 9000, 3000, 0.5, true)],
    failures: [{ ...failed, key: { ...failed.key, workload: 'retrain' }, phase: 'extraction' }],
  });
  const data = buildReportData(run, { now: new Date(0) });
  const model = data.models.find((entry) => entry.model === 'mobilenet_v2')!;
  assert.equal(model.rows.length, 1, 'only the inference key in the model table');
  assert.deepEqual(
    data.retraining.rows.map((row) => [row.runtime, row.status, row.timeToRetrainMs, row.diverged]),
    [
      ['tfjs-cpu', 'failed', null, false],
      ['tfjs-wasm', 'measured', 3000, false],
      ['tfjs-webgl', 'measured', 12000, true],
    ],
  );
  const chart = data.charts.find((spec) => spec.id === data.retraining.chart);
  assert.ok(chart && chart.kind === 'bar' && chart.unit === 'ms' && chart.stacked && chart.horizontal, 'stacked bars, one label line each');
  assert.deepEqual(chart.series, [
    { name: 'extraction', values: [2400, 9000] },
    { name: 'training', values: [600, 3000] },
  ]);
  const page = renderHtml(data, '');
  assert.match(page, /<h2>Retraining on each device<\/h2>/);
  assert.match(page, /failed in extraction: out of memory</);
  assert.equal(page.match(/<strong>diverged<\/strong>/g)?.length, 1);
  assert.match(page, /host 80(\.0)?%/);
  // The pack sizes beside the accuracy, and each unit once.
  assert.match(page, /80\.0%(<[^>]+>|\s)*of 40 images/);
  assert.match(page, /<td class="num">24<\/td>/, 'the training pack');
  assert.match(page, /<td class="num">3\.00 s<\/td>/, 'time to retrain in seconds');
  assert.doesNotMatch(page, /ms(<[^>]+>|\s)*ms/);
  assert.match(page, /<nav>.*<a href="#retraining">retraining<\/a>/s, 'the section in the page\'s links');
});

test('a model with retrain jobs only points to them instead of saying nothing was recorded', () => {
  const bare = record({ runId: 'r', measurements: [retrained('tfjs-wasm', 2400, 600, 0.8, false)] });
  // The model's artifact gives it a section, as in a real run.
  const run = { ...bare, artifacts: [{ id: 'mobilenet_v2/tfjs/float32', model: 'mobilenet_v2', format: 'tfjs' as const, variant: 'float32' as const, path: '/out/m', bytes: 1000, gzipBytes: 900, sha256: '0'.repeat(64) }] };
  const page = renderHtml(buildReportData(run, { now: new Date(0) }), '');
  assert.doesNotMatch(page, /No measurement or failure recorded/);
  assert.match(page, /No inference job for this model; its retrain jobs are in <a href="#retraining">/);
});

test('a run without the retrain workload has no retraining section', () => {
  const data = buildReportData(record({ runId: 'r', measurements: [measurement({ samples: [1, 2, 3] })] }), { now: new Date(0) });
  assert.deepEqual(data.retraining, { rows: [], chart: null });
  assert.doesNotMatch(renderHtml(data, ''), /Retraining on each device/);
});
