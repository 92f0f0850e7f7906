/**
 * "% of peak" and the roofline: a row's GFLOP/s over the runtime's peak, the
 * configured peak preferred per variant, only placeable rows on the chart,
 * and the chart's geometry (higher GFLOP/s higher up, more FLOP/byte further
 * right, the ceiling above every point that is below it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RuntimeProfile } from '../../harness/core/profile.ts';
import { configuredPeak, percentOfPeak, rooflinePoints, rowGflops } from '../../harness/core/roofline.ts';
import { profileMarkdown, profileSectionHtml } from '../../reports/profile.ts';

const profile: RuntimeProfile = {
  runtime: 'tflite-node',
  variant: 'float32',
  method: 'prefix-attribution',
  timed: true,
  rows: [
    // 2e7 FLOP in 1 ms = 20 GFLOP/s; 10 FLOP/byte.
    { name: 'conv_1', kind: 'conv', ms: 1, flops: 2e7, intensity: 10, count: 1 },
    // 1e6 FLOP in 0.5 ms = 2 GFLOP/s; 0.5 FLOP/byte.
    { name: 'dw_1', kind: 'depthwise', ms: 0.5, flops: 1e6, intensity: 0.5, count: 1 },
    // Cheaper than the noise: no rate, not placed.
    { name: 'add_1', kind: 'other', ms: -0.01, flops: 1e4, intensity: 0.1, count: 1 },
    // No FLOPs known: not placed.
    { name: '(outside any layer: input, output)', kind: 'other', ms: 0.2, count: 3 },
  ],
  sumMs: 1.69,
  p50Ms: 1.7,
  ratio: 1.69 / 1.7,
  gflops: 12,
  peak: { gflops: 40, source: 'probe: a 16×16×512 → 512 1×1 convolution, float32, p50 3.37 ms' },
};

test('a row\'s GFLOP/s is its FLOPs over its time, and its share of the peak in percent', () => {
  assert.equal(rowGflops(profile.rows[0]!), 20);
  assert.equal(rowGflops(profile.rows[2]!), null, 'a negative block has no rate');
  assert.equal(rowGflops(profile.rows[3]!), null, 'a row without FLOPs has no rate');
  assert.equal(percentOfPeak(20, profile.peak), 50);
  assert.equal(percentOfPeak(20, undefined), null);
  assert.equal(percentOfPeak(null, profile.peak), null);
  assert.equal(percentOfPeak(20, { gflops: 0, source: 'x' }), null);
});

test('the configured peak: runtime and variant first, then the runtime alone', () => {
  const peaks = { 'tflite-node': 30, 'tflite-node int8': 90, 'browser:litert-wasm': 12 };
  assert.deepEqual(configuredPeak(peaks, 'tflite-node', 'int8'), { gflops: 90, source: 'config profile.peakGflops["tflite-node int8"]' });
  assert.equal(configuredPeak(peaks, 'tflite-node', 'float32')!.gflops, 30);
  assert.equal(configuredPeak(peaks, 'browser:litert-wasm', 'float16')!.gflops, 12);
  assert.equal(configuredPeak(peaks, 'tfjs-wasm', 'tfjs'), undefined);
});

test('the roofline places the rows with FLOPs, a positive time and an intensity', () => {
  const points = rooflinePoints(profile);
  assert.deepEqual(points.map((point) => [point.label, point.intensity, point.gflops, point.percent]), [['conv_1', 10, 20, 50], ['dw_1', 0.5, 2, 5]]);
});

test('the chart: the ceiling at the peak, each point where its intensity and rate put it', () => {
  const html = profileSectionHtml([{ model: 'm', flops: 2.1e7, macs: 1.05e7, weightBytes: 1000, topLayers: [], runtimes: [profile], skipped: [] }]);
  const ceiling = /<g class="ceiling" data-gflops="40"><line x1="[\d.]+" y1="([\d.]+)"/.exec(html);
  assert.ok(ceiling, 'a ceiling line at the peak');
  const circles = [...html.matchAll(/<circle class="layer" data-kind="(\w+)" cx="([\d.]+)" cy="([\d.]+)"/g)].map((match) => ({ kind: match[1], x: Number(match[2]), y: Number(match[3]) }));
  assert.equal(circles.length, 2);
  const [conv, dw] = circles;
  assert.equal(conv!.kind, 'conv');
  assert.ok(conv!.x > dw!.x, 'more FLOP/byte lies further right');
  assert.ok(conv!.y < dw!.y, 'more GFLOP/s lies higher up (smaller y)');
  assert.ok(Number(ceiling[1]) < conv!.y, 'the ceiling is above a point at half the peak');
  assert.match(html, /<th class="num">% of peak<\/th>/);
  assert.match(html, /<td>conv_1<\/td><td>conv<\/td><td class="num">1\.00<\/td><td class="num">20\.0<\/td><td class="num">50%<\/td>/);
});

test('markdown: the peak and the model\'s share of it, and the % of peak column', () => {
  const lines = profileMarkdown([{ model: 'm', flops: 2.1e7, macs: 1.05e7, weightBytes: 1000, topLayers: [], runtimes: [profile], skipped: [] }]);
  const heading = lines.find((line) => line.startsWith('**tflite-node float32'))!;
  assert.match(heading, /peak 40\.0 GFLOP\/s \(probe: a 16×16×512 → 512 1×1 convolution, float32, p50 3\.37 ms\); the model at 30% of it/);
  assert.ok(lines.includes('| layer | kind | ms | GFLOP/s | % of peak | FLOP/byte | kernels/ops |'));
  assert.ok(lines.some((line) => line.startsWith('| dw_1 | depthwise | 0.50 | 2.00 | 5.0% |')), lines.join('\n'));
});

test('an untimed profile draws no roofline', () => {
  const untimed: RuntimeProfile = { ...profile, timed: false, sumMs: null, ratio: null, rows: profile.rows.map((row) => ({ ...row, ms: null })) };
  assert.deepEqual(rooflinePoints(untimed), []);
  assert.doesNotMatch(profileSectionHtml([{ model: 'm', flops: 1, macs: 1, weightBytes: 1, topLayers: [], runtimes: [untimed], skipped: [] }]), /class="roofline"/);
});

test('each profile says whether its parts add up within 15% of its p50, and by how much not', async () => {
  const { addsUpText } = await import('../../harness/core/profile.ts');
  assert.equal(addsUpText(0.86), 'within 15%');
  assert.equal(addsUpText(1.15), 'within 15%');
  assert.equal(addsUpText(0.78), '22% short: outside 15%');
  assert.equal(addsUpText(1.3), '30% over: outside 15%');
  assert.equal(addsUpText(null), 'no sum to check');
});

test('a layer faster than the probe is "above the probe" in its hover text and its row, never more than 100% of peak', () => {
  // conv_1 at 20 GFLOP/s against a 16 GFLOP/s probe: 125%.
  const beaten: RuntimeProfile = { ...profile, peak: { gflops: 16, source: 'probe' } };
  const html = profileSectionHtml([{ model: 'm', flops: 2.1e7, macs: 1.05e7, weightBytes: 1000, topLayers: [], runtimes: [beaten], skipped: [] }]);
  const titles = [...html.matchAll(/<circle class="layer"[^>]*><title>([^<]*)<\/title>/g)].map((match) => match[1]!);
  assert.equal(titles.length, 2);
  assert.match(titles[0]!, /^conv_1 \(conv\): .*above the probe/);
  assert.match(titles[1]!, /^dw_1 \(depthwise\): .*, 13% of peak$/);
  assert.doesNotMatch(html, /1\d\d% of peak|>1\d\d%</);
});
