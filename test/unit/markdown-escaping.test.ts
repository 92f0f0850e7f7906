/**
 * `--format md` (a CI comment) copies labels, model and device names and
 * error messages from a record that may come from anyone: HTML and markdown
 * in them render as text, a `|` cannot add a table column, a backtick cannot
 * close a code span.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareRecords } from '../../reports/compare.ts';
import { mdCode, mdText, renderComparisonMarkdown, renderMarkdown } from '../../reports/markdown.ts';
import { failure, hostDevice, measurement, record } from '../fixtures/report-records.ts';

const HOSTILE = '<img src=x onerror=alert(1)> **bold** [link](http://evil.example) `code` | extra | ~~gone~~ &lt;';
const evilDevice = { ...hostDevice, id: 'dev`ice|x', name: `Phone ${HOSTILE}` };

/** Markup a renderer would act on: a raw tag, emphasis, a link, strike-through, an entity. */
function assertInert(markdown: string): void {
  assert.ok(!/(^|[^\\])<img/.test(markdown), 'no raw <img');
  assert.ok(!/(^|[^\\])\*\*bold/.test(markdown), 'no bare ** emphasis');
  assert.ok(!/(^|[^\\])\[link(\\)?\]\(/.test(markdown.replace(/\\\[link\\\]/g, '')), 'no bare link');
  assert.ok(!/(^|[^\\])~~gone/.test(markdown), 'no bare strike-through');
  assert.ok(!/(^|[^\\])&lt;/.test(markdown), 'no bare entity');
}

/** Cells of a GFM table row, honouring `\|` escapes. */
function cells(line: string): string[] {
  return line.replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
}

test('mdText escapes markdown and HTML specials and flattens line breaks', () => {
  assert.equal(mdText('a|b\n<b>*x*</b> `c` [l](u) ~s~ &amp; \\'), 'a\\|b \\<b\\>\\*x\\*\\</b\\> \\`c\\` \\[l\\](u) \\~s\\~ \\&amp; \\\\');
  assert.equal(mdText('mobilenet_v2'), 'mobilenet\\_v2');
});

test('mdCode picks a fence the text cannot close, and escapes | inside tables', () => {
  assert.equal(mdCode('a`b'), '``a`b``');
  assert.equal(mdCode('`x`'), '`` `x` ``');
  assert.equal(mdCode('a|b', { inTable: true }), '`a\\|b`');
  assert.equal(mdCode('line\nbreak'), '`line break`');
});

test('a run summary renders hostile names and errors as text, with the table intact', () => {
  const hostile = record({
    runId: 'hostile',
    measurements: [measurement({ model: 'tiny', samples: [10, 11, 12], device: evilDevice, runtime: `tfjs-wasm ${HOSTILE}` })],
    failures: [failure({ model: 'tiny', runtime: 'tflite-node', message: `line one\n${HOSTILE}\n| a | b |` })],
  });
  const markdown = renderMarkdown(hostile);
  assertInert(markdown);
  const header = markdown.split('\n').find((line) => line.startsWith('| artifact'))!;
  const rows = markdown.split('\n').filter((line) => line.startsWith('| TF.js') || line.startsWith('| .tflite'));
  assert.equal(rows.length, 2);
  for (const row of rows) assert.equal(cells(row).length, cells(header).length, `same columns as the header: ${row}`);
  assert.ok(markdown.includes('\\<img src=x onerror=alert(1)\\>'), 'the text itself is kept, escaped');
  const failureLine = markdown.split('\n').find((line) => line.startsWith('- `'))!;
  assert.ok(failureLine.includes('line one'), 'a multi-line error stays on its list item');
});

test('a comparison renders hostile keys and reasons as text', () => {
  const baseline = record({ runId: 'base', measurements: [measurement({ samples: [10, 10.1, 9.9, 10, 10.2], device: evilDevice })] });
  const current = record({ runId: 'now', startedAt: '2025-01-02T00:00:00.000Z', measurements: [measurement({ samples: [30, 30.1, 29.9, 30, 30.2], device: evilDevice })] });
  const markdown = renderComparisonMarkdown(compareRecords(baseline, current, { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1 }));
  assertInert(markdown);
  const header = markdown.split('\n').find((line) => line.startsWith('| verdict'))!;
  const rows = markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| verdict'));
  assert.equal(rows.length, 1);
  assert.equal(cells(rows[0]!).length, cells(header).length, rows[0]);
  assert.match(rows[0]!, /``[^`]*dev`ice\\\|x[^`]*``/, 'the device id in a code span with a longer fence, its | escaped');
});
