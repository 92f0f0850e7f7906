/**
 * "Where the time goes" from a record's profiles: the same tables in markdown
 * and HTML, time by layer kind (negative attribution noise not counted as
 * time), the costliest rows first, coverage as "N of M ops" with the rest
 * named, an untimed profile saying why instead of zeros, names escaped; a
 * record without profiles renders no section.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelProfile } from '../../harness/core/profile.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { profileMarkdown, profileSectionHtml, runtimeTable } from '../../reports/profile.ts';
import { record } from '../fixtures/report-records.ts';

const profile: ModelProfile = {
  model: 'net',
  flops: 6e8,
  macs: 3e8,
  weightBytes: 14e6,
  topLayers: [],
  skipped: [{ runtime: 'tfjs-cpu', variant: 'tfjs', reason: 'not asked' }],
  runtimes: [
    {
      runtime: 'tflite-node',
      variant: 'int8-dynamic',
      method: 'prefix-attribution',
      timed: true,
      why: 'an attribution: 2 prefix models',
      rows: [
        { name: 'stem', kind: 'conv', ms: 30, flops: 3e8, intensity: 20, count: 2 },
        { name: 'block <1>', kind: 'depthwise', ms: 60, flops: 2e8, intensity: 5, count: 3 },
        { name: 'head', kind: 'dense', ms: -1, flops: 1e8, intensity: 1, count: 2 },
      ],
      sumMs: 89,
      p50Ms: 100,
      ratio: 0.89,
      gflops: 6,
      coverage: { accelerator: 'XNNPACK', accelerated: 4, total: 7, partitions: 2, left: { CONV_2D: 2, FULLY_CONNECTED: 1 }, source: 'plugin' },
    },
    { runtime: 'tfjs-webgl', variant: 'tfjs', method: 'tf.profile', timed: false, why: 'the webgl backend cannot time its kernels here', rows: [{ name: 'conv', kind: 'conv', ms: null, count: 1 }], sumMs: null, p50Ms: 12, ratio: null },
  ],
};

test('kinds, costliest rows, sum against p50 and coverage', () => {
  const table = runtimeTable(profile.runtimes[0]!);
  assert.equal(table.label, 'tflite-node int8-dynamic (prefix-attribution)');
  assert.match(table.sum, /^parts 89\.0 ms of p50 100 ms \(89%, within 15%\)/);
  assert.deepEqual(table.kinds!.map((entry) => [entry.kind, entry.ms]), [['conv', 30], ['depthwise', 60]]);
  assert.deepEqual(table.top.map((row) => row.name), ['block <1>', 'stem', 'head']);
  assert.equal(table.coverage, '4 of 7 ops on XNNPACK (2 partitions); left: CONV_2D ×2, FULLY_CONNECTED');
  const untimed = runtimeTable(profile.runtimes[1]!);
  assert.equal(untimed.kinds, null);
  assert.match(untimed.sum, /^untimed: the webgl backend cannot time its kernels here; p50 12\.0 ms/);
});

test('markdown and HTML carry the same tables; HTML escapes names', () => {
  const markdown = profileMarkdown([profile]).join('\n');
  assert.match(markdown, /#### net: 600 MFLOP per image/);
  assert.match(markdown, /\| block <1> \| depthwise \| 60\.0 \| 3\.33 \| – \| 5\.0 \| 3 \|/);
  assert.match(markdown, /\| conv \| conv \| – \| – \| – \| – \| 1 \|/, 'untimed rows show no time, not 0');
  assert.match(markdown, /tfjs-cpu tfjs: not profiled: not asked/);
  const html = profileSectionHtml([profile]);
  assert.match(html, /<td>block &lt;1&gt;<\/td><td>depthwise<\/td><td class="num">60\.0<\/td>/);
  assert.match(html, /data-kind="depthwise" style="width:66\.67%/);
  assert.doesNotMatch(html, /<td>block <1>/);
});

test('a run record with profiles renders them in its markdown report; one without renders no section', () => {
  const withProfiles = { ...record({ runId: '2025-01-01T00-00-00-000Z-aaaaaa' }), profiles: [profile] };
  assert.match(renderMarkdown(withProfiles), /### Where the time goes/);
  assert.doesNotMatch(renderMarkdown(record({ runId: '2025-01-01T00-00-00-000Z-aaaaaa' })), /Where the time goes/);
  assert.equal(profileSectionHtml(undefined), '');
});
