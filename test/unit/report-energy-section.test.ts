/**
 * The report's "Energy and sustained performance" from a record alone:
 * the energy column with how each figure was measured (or why not), one
 * "energy per inference vs latency" chart per phone, and each sustained
 * job's latency over time with its throttle events marked and its first vs
 * last p50. Copied text (a reason) is escaped in both formats.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeviceInfo, Measurement } from '../../harness/core/record.ts';
import { summariseSustained } from '../../harness/core/sustained.ts';
import { buildReportData } from '../../reports/data.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { measurement, record } from '../fixtures/report-records.ts';

const pixel: DeviceInfo = { id: '2B161JEGR04567', kind: 'android', name: 'Pixel 7' };
const galaxy: DeviceInfo = { id: 'R58N91ABCDE', kind: 'android', name: 'Galaxy A51' };

function phoneJob(device: DeviceInfo, runtime: string, p50: number, energy: Measurement['energy']): Measurement {
  return { ...measurement({ device, runtime, samples: [p50, p50, p50] }), energy };
}

const rails = (mJ: number): Measurement['energy'] => ({ method: 'power-stats-hal', window: 'loop', inferences: 100, durationMs: 2000, idle: { durationMs: 5000, mW: 210 }, totalMJ: mJ * 120, netMJ: mJ * 100, mJPerInference: mJ, rails: [] });

test('energy column, how it was measured, and a chart per phone with its measured points', () => {
  const sustained = measurement({ device: pixel, runtime: 'tfjs-wasm', model: 'long', samples: Array(40).fill(100) as number[] });
  sustained.sustained = summariseSustained({
    samples: [...Array(20).fill(100), ...Array(20).fill(160)] as number[],
    readings: [{ t: 0.5, thermalStatus: 0, thermalName: 'none' }, { t: 2.5, thermalStatus: 2, thermalName: 'moderate' }],
    deviceSource: 'adb',
  });
  const run = record({
    runId: 'energy',
    measurements: [
      phoneJob(pixel, 'tfjs-wasm', 30, rails(12.5)),
      phoneJob(pixel, 'tfjs-webgl', 12, rails(4.25)),
      phoneJob(galaxy, 'tfjs-wasm', 80, { method: 'none', reason: 'not measured: charging (battery status Charging <b>|</b>)' }),
      sustained,
    ],
  });
  const data = buildReportData(run);
  assert.deepEqual(data.energy!.rows.map((row) => [row.device, row.runtime, row.mJPerInference]), [['Pixel 7', 'tfjs-wasm', 12.5], ['Pixel 7', 'tfjs-webgl', 4.25], ['Galaxy A51', 'tfjs-wasm', null]]);
  assert.match(data.energy!.rows[0]!.how, /^power monitor rails over the measured loop, 100 inferences, idle 210 mW taken off$/);

  const page = renderHtml(data, '');
  const section = /<section id="energy">[\s\S]*?<\/section>/.exec(page)![0];
  assert.match(section, /<td class="num" data-value="12.5">12.50<\/td>/);
  assert.match(section, /<td class="num" data-value="">–<\/td><td>not measured: charging \(battery status Charging &lt;b&gt;\|&lt;\/b&gt;\)<\/td>/);
  // One chart per phone that has a figure: the Pixel's two points, none for the Galaxy.
  assert.equal((section.match(/<figure class="energy-chart"/g) ?? []).length, 1);
  assert.match(section, /data-device="Pixel 7"/);
  assert.equal((/<figure class="energy-chart"[\s\S]*?<\/figure>/.exec(section)![0].match(/<circle /g) ?? []).length, 2);
  // The sustained job: the throttle marked where it happened, first vs last p50 in the caption.
  assert.match(section, /<g class="throttle" data-t="2.5">[\s\S]*?none → moderate/);
  assert.match(section, /first 2\.\d s p50 100 ms → last 2\.\d s 160 ms \(\+60\.0%\), first throttle after 2\.5 s, 1 thermal status change/);

  const markdown = renderMarkdown(run);
  assert.match(markdown, /\| tiny \| tfjs float32 \| Pixel 7 \| tfjs-wasm \| 1 \| 30\.0 ms \| 12\.50 \| power monitor rails/);
  assert.match(markdown, /not measured: charging \(battery status Charging \\<b\\>\\\|\\<\/b\\>\)/);
  assert.match(markdown, /- sustained long · tfjs float32 · tfjs-wasm on Pixel 7, 5 s: p50 first 3 s 100 ms, last 3 s 160 ms; first throttle after 2\.5 s \(3 s none → moderate\)/);
});

test('a run with neither energy nor sustained has no such section', () => {
  const run = record({ runId: 'plain', measurements: [measurement({ samples: [1, 2, 3] })] });
  assert.doesNotMatch(renderHtml(buildReportData(run), ''), /id="energy"/);
  assert.doesNotMatch(renderMarkdown(run), /Energy and sustained/);
});
