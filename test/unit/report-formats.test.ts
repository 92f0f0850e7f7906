/**
 * What the report says, on constructed records with known numbers: the
 * Mobile-vs-Lite sentence, markdown for CI comments, the github-action-benchmark
 * JSON, a partial record, hostile strings, and `bench report` itself.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../harness/cli.ts';
import { normalizeRecord } from '../../harness/history.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { toBenchmarkJson } from '../../reports/benchmark-json.ts';
import { buildReportData } from '../../reports/data.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { failure, latencies, measurement, record, saveRecord } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

/** Samples whose median is exactly `p50`. */
const around = (p50: number, count = 21) => Array.from({ length: count }, (_, index) => p50 * (1 + (index - (count - 1) / 2) / 100));

function artifact(id: string, bytes: number) {
  const [model, format, variant] = id.split('/') as [string, 'tfjs' | 'tflite', 'float32' | 'int8'];
  return { id, model, format, variant, path: `/models/${id}`, bytes, gzipBytes: Math.round(bytes * 0.9), sha256: id };
}

/** The example: int8 .tflite 3.1× faster, 4.0× smaller, −0.4 points. */
function exampleRecord(): RunRecord {
  const value = record({
    runId: 'example',
    measurements: [
      measurement({ runtime: 'tfjs-wasm', samples: around(31), accuracy: 0.925 }),
      measurement({ runtime: 'tfjs-cpu', samples: around(310), accuracy: 0.925 }),
      measurement({ format: 'tflite', variant: 'float32', samples: around(20), accuracy: 0.925 }),
      measurement({ format: 'tflite', variant: 'int8', samples: around(10), accuracy: 0.921 }),
    ],
    failures: [failure({ runtime: 'tflite-node', variant: 'float16', message: 'float16 inputs are not supported' })],
  });
  value.artifacts = [artifact('tiny/tfjs/float32', 4_000_000), artifact('tiny/tflite/float32', 3_990_000), artifact('tiny/tflite/int8', 1_000_000)];
  return value;
}

test('the summary says how much faster, smaller and less accurate the fastest Lite option is', () => {
  const [summary] = buildReportData(exampleRecord()).models[0]!.summary;
  assert.ok(summary);
  assert.equal(summary.mobile?.runtime, 'tfjs-wasm', 'fastest Mobile option');
  assert.equal(summary.lite?.variant, 'int8', 'fastest Lite option');
  assert.ok(Math.abs(summary.speedup! - 3.1) < 1e-9);
  assert.ok(Math.abs(summary.sizeRatio! - 4) < 1e-9);
  assert.ok(Math.abs(summary.accuracyDeltaPoints! + 0.4) < 1e-9);
  assert.equal(
    summary.sentence,
    'On Linux x64 (Test CPU) (host), the int8 .tflite on tflite-node is 3.1× faster and 4.0× smaller than the TF.js model on tfjs-wasm, −0.4 points accuracy (p50 10.0 ms vs 31.0 ms; 977 KiB vs 3.81 MiB; 92.1% vs 92.5%).',
  );
});

test('the summary words a slower, larger Lite option and an equal one honestly', () => {
  const slower = record({ runId: 's', measurements: [measurement({ samples: around(10) }), measurement({ format: 'tflite', samples: around(15) })] });
  slower.artifacts = [artifact('tiny/tfjs/float32', 1_000_000), artifact('tiny/tflite/float32', 1_200_000)];
  assert.match(buildReportData(slower).models[0]!.summary[0]!.sentence, /is 1\.5× slower and 1\.2× larger than the TF\.js model on tfjs-wasm, same accuracy \(/);
  const alike = record({ runId: 'a', measurements: [measurement({ samples: around(10) }), measurement({ format: 'tflite', samples: around(10.1) })] });
  alike.artifacts = [artifact('tiny/tfjs/float32', 1_000_000), artifact('tiny/tflite/float32', 1_000_000)];
  assert.match(buildReportData(alike).models[0]!.summary[0]!.sentence, /is about as fast and about the same size as the TF\.js model on tfjs-wasm/);
  const mobileOnly = record({ runId: 'm', measurements: [measurement({ samples: around(10) })] });
  assert.match(buildReportData(mobileOnly).models[0]!.summary[0]!.sentence, /only the Mobile path was measured \(no Lite result to compare\)/);
});

test('the summary compares latencies at one batch size: the smallest measured', () => {
  const batched = record({
    runId: 'b',
    measurements: [
      measurement({ samples: around(10) }),
      measurement({ samples: around(25), batchSize: 4 }),
      measurement({ format: 'tflite', samples: around(5) }),
      measurement({ format: 'tflite', samples: around(12), batchSize: 4 }),
    ],
  });
  const [summary] = buildReportData(batched).models[0]!.summary;
  assert.equal(summary!.mobile!.batchSize, 1);
  assert.equal(summary!.lite!.p50, 5);
  assert.equal(summary!.speedup, 2);
});

test('markdown for a CI comment: headline, one row per measurement and failure, the failures', () => {
  const markdown = renderMarkdown(exampleRecord());
  assert.match(markdown, /^### edgebench run `example`/);
  assert.ok(markdown.includes('- On Linux x64 (Test CPU) (host), the int8 .tflite on tflite-node is 3.1× faster'));
  const rows = markdown.split('\n').filter((line) => line.startsWith('| .tflite') || line.startsWith('| TF.js'));
  assert.equal(rows.length, 5);
  assert.ok(rows.some((line) => line.includes('tfjs-cpu') && line.includes('310 ms')), 'the cpu row shows its p50');
  assert.ok(rows.some((line) => line.includes('failed in load: float16 inputs are not supported')));
  assert.match(markdown, /<details><summary>Failures<\/summary>/);
  const partial = renderMarkdown({ ...exampleRecord(), status: 'running' });
  assert.match(partial, /\*\*running\*\* \(partial results\)/);
});

test('benchmark JSON: github-action-benchmark customSmallerIsBetter entries with stable names', () => {
  const entries = toBenchmarkJson(exampleRecord());
  for (const entry of entries) {
    assert.equal(typeof entry.name, 'string');
    assert.equal(typeof entry.unit, 'string');
    assert.ok(Number.isFinite(entry.value), `${entry.name} has a numeric value`);
  }
  const p50 = entries.find((entry) => entry.name === 'tiny/tflite/int8@node:host/tflite-node p50');
  assert.equal(p50?.value, 10);
  assert.equal(p50?.unit, 'ms');
  assert.match(p50!.range!, /^± [\d.]+%$/);
  assert.equal(entries.find((entry) => entry.name === 'tiny/tflite/int8@node:host/tflite-node top-1 error')?.value, 7.9);
  assert.equal(entries.find((entry) => entry.name === 'tiny/tflite/int8 size')?.value, 1_000_000);
  // Names depend on the key only, so a dashboard joins the same series run to run.
  const again = toBenchmarkJson({ ...exampleRecord(), runId: 'other', measurements: exampleRecord().measurements.map((entry) => ({ ...entry, samples: latencies(21, 50) })) });
  assert.deepEqual(again.map((entry) => entry.name), entries.map((entry) => entry.name));
});

test('a partial record of a crashed run still renders, with a banner', () => {
  // What the store may leave after a crash: no artifacts, devices or failures yet. Read as `bench report` reads run.json.
  const crashed = { schema: 1, runId: 'crashed', startedAt: '2025-01-01T00:00:00.000Z', status: 'running', measurements: [measurement({ samples: around(10) })] };
  const page = renderHtml(buildReportData(normalizeRecord(crashed)), '/* viewer */');
  assert.match(page, /<p class="banner" data-status="running">/);
  assert.match(page, /data-key="tiny\/tfjs\/float32@node:host\/tfjs-wasm#batch=1"/);
});

test('strings from the record cannot break out of the page', () => {
  const hostile = record({ runId: 'x', measurements: [measurement({ samples: around(10) })], failures: [failure({ runtime: 'evil', message: '</script><script>alert(1)</script><b>' })] });
  const page = renderHtml(buildReportData(hostile), '/* viewer */');
  assert.equal(page.match(/<script/g)?.length, 2, 'only the data and viewer scripts');
  assert.ok(page.includes('&lt;/script&gt;&lt;script&gt;alert(1)'), 'escaped in the markup');
  const json = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(page)![1]!;
  assert.equal(JSON.parse(json).failures[0].error.message, '</script><script>alert(1)</script><b>', 'intact in the embedded data');
});

test('bench report writes the HTML beside run.json, markdown and JSON to --output', async () => {
  const out = await tempDir('report-command');
  try {
    await saveRecord(out, { ...exampleRecord(), runId: 'r1', startedAt: '2025-01-01T00:00:00.000Z' });
    await saveRecord(out, { ...exampleRecord(), runId: 'r2', startedAt: '2025-01-02T00:00:00.000Z' });
    assert.equal(await main(['report', '--out', out, '--quiet']), 0);
    const html = await readFile(join(out, 'runs', 'r2', 'report.html'), 'utf8');
    assert.match(html, /<title>edgebench report r2<\/title>/, 'latest run by default');
    assert.match(html, /trend over 1 earlier run</);

    assert.equal(await main(['report', 'r1', '--out', out, '--quiet', '--format', 'md', '--output', join(out, 'summary.md')]), 0);
    assert.match(await readFile(join(out, 'summary.md'), 'utf8'), /^### edgebench run `r1`/);
    assert.equal(await main(['report', 'r1', '--out', out, '--quiet', '--format', 'json', '--output', join(out, 'bench.json')]), 0);
    const entries = JSON.parse(await readFile(join(out, 'bench.json'), 'utf8')) as { name: string }[];
    assert.deepEqual(entries, toBenchmarkJson({ ...exampleRecord(), runId: 'r1' }));

    assert.equal(await main(['report', 'r1', '--out', out, '--quiet', '--format', 'pdf']), 1, 'unknown format is a user error');
    assert.equal(await main(['report', 'missing', '--out', out, '--quiet']), 1, 'unknown run is a user error');
    await writeFile(join(out, 'runs', 'r1', 'run.json'), '{"schema": 1, "runId": "r1"');
    assert.equal(await main(['report', 'r1', '--out', out, '--quiet']), 1, 'a truncated record is a user error');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
