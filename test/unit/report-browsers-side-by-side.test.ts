/**
 * Browsers side by side: the same artifact and runtime in each engine, as
 * p50 and the ratio to Chromium's; engines told apart by user agent; a job
 * one engine alone ran, Node rows and retrain rows left out; one engine only:
 * no rows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceInfo, Measurement } from '../../harness/core/record.ts';
import { enginesSideBySide, formatEngines } from '../../reports/engines.ts';

const UA = {
  chromium: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0',
  webkit: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15',
};

function device(id: string, agent: string, kind: DeviceInfo['kind'] = 'browser'): DeviceInfo {
  return { id, kind, name: id, browser: { name: id, version: '1', userAgent: agent } };
}

function measured(on: DeviceInfo, runtime: string, variant: 'float32' | 'int8', p50: number, threads: number): Measurement {
  const format = runtime.startsWith('litert') ? 'tflite' : 'tfjs';
  return {
    key: { model: 'm', format, variant, target: on.kind, device: on.id, runtime, options: { batch: 1, threads, simd: true } },
    device: on,
    batchSize: 1,
    latency: { p50 },
  } as unknown as Measurement;
}

test('p50 and the ratio to Chromium per engine, for jobs two engines ran', () => {
  const chromium = device('chromium-156', UA.chromium);
  const firefox = device('firefox-153', UA.firefox);
  const webkit = device('webkitgtk-2.50', UA.webkit);
  const node = device('host', '', 'node');
  const view = enginesSideBySide({
    measurements: [
      measured(chromium, 'tfjs-wasm', 'float32', 10, 2),
      measured(firefox, 'tfjs-wasm', 'float32', 15, 2),
      measured(webkit, 'tfjs-wasm', 'float32', 25, 4),
      measured(chromium, 'litert-wasm', 'int8', 4, 2),
      measured(webkit, 'litert-wasm', 'int8', 12, 1),
      measured(firefox, 'tfjs-webgl', 'float32', 3, 1),
      measured(node, 'tfjs-wasm', 'float32', 1, 1),
    ],
  });
  assert.deepEqual(view.columns.map((column) => [column.device, column.engine]), [['chromium-156', 'chromium'], ['firefox-153', 'firefox'], ['webkitgtk-2.50', 'webkit']]);
  assert.equal(view.baseline, 'chromium-156');
  assert.deepEqual(view.rows.map((row) => row.label), ['m tfjs/float32 tfjs-wasm batch 1 simd=true', 'm tflite/int8 litert-wasm batch 1 simd=true']);
  assert.deepEqual(view.rows[0]!.ratio, { 'chromium-156': 1, 'firefox-153': 1.5, 'webkitgtk-2.50': 2.5 });
  assert.deepEqual(view.rows[1]!.ratio, { 'chromium-156': 1, 'webkitgtk-2.50': 3 });
  const lines = formatEngines(view);
  assert.match(lines[1]!, /10\.00 ms +15\.00 ms \(1\.50×\) +25\.00 ms \(2\.50×\)$/);
  assert.match(lines[2]!, /4\.00 ms +— +12\.00 ms \(3\.00×\)$/);
});

test('one engine only: nothing side by side', () => {
  const view = enginesSideBySide({ measurements: [measured(device('chromium-156', UA.chromium), 'tfjs-wasm', 'float32', 10, 2), measured(device('chrome-150', UA.chromium), 'tfjs-wasm', 'float32', 11, 2)] });
  assert.deepEqual(view.rows, []);
  assert.match(formatEngines(view)[0]!, /fewer than two engines/);
});

test('the run summary in markdown has the side-by-side table, escaped', async () => {
  const { enginesMarkdown } = await import('../../reports/engines.ts');
  const { mdText } = await import('../../reports/markdown.ts');
  const view = enginesSideBySide({ measurements: [measured(device('chromium-156', UA.chromium), 'tfjs-wasm', 'float32', 10, 2), measured(device('firefox_<b>', UA.firefox), 'tfjs-wasm', 'float32', 20, 2)] });
  const lines = enginesMarkdown(view, { text: mdText, row: (cells) => `| ${cells.join(' | ')} |` });
  assert.equal(lines[0], '#### Browsers side by side');
  assert.ok(lines.includes('| job | chromium-156 | firefox\\_\\<b\\> |'), lines.join('\n'));
  assert.ok(lines.includes('| m tfjs/float32 tfjs-wasm batch 1 simd=true | 10.00 ms | 20.00 ms (2.00×) |'), lines.join('\n'));
});

test('the HTML report has the side-by-side section, escaped', async () => {
  const { enginesHtml } = await import('../../reports/engines.ts');
  const view = enginesSideBySide({ measurements: [measured(device('chromium-156', UA.chromium), 'tfjs-wasm', 'float32', 10, 2), measured(device('firefox<script>', UA.firefox), 'tfjs-wasm', 'float32', 20, 2)] });
  const section = enginesHtml(view);
  assert.match(section, /<h2>Browsers side by side<\/h2>/);
  assert.ok(section.includes('firefox&lt;script&gt;') && !section.includes('firefox<script>'));
  assert.match(section, /20\.00 ms <small>\(2\.00×\)<\/small>/);
  assert.equal(enginesHtml({ columns: [], rows: [] }), '');
});
