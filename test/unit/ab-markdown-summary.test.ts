/**
 * `bench ab --format md`: one row per key, regressions first, the ratio and
 * its interval, text from the run escaped so it cannot break the table.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abVerdict } from '../../reports/ab.ts';
import { renderAbMarkdown } from '../../reports/ab-markdown.ts';
import { pairedRatio } from '../../harness/core/paired.ts';

test('regressions first, ratio and interval in their columns, a | in an error escaped', () => {
  const same = pairedRatio([
    { a: [10, 10], b: [10, 10] },
    { a: [10, 10], b: [10, 10] },
  ]);
  const verdict = abVerdict(
    [
      { key: 'm/tfjs/float32@node:host/tfjs-wasm[batch=1]', estimate: same },
      { key: 'm/tflite/int8@node:host/tflite-node[batch=1]', failed: 'b', message: 'load failed: a | b' },
    ],
    { minEffect: 0.05, alpha: 0.01 },
  );
  const markdown = renderAbMarkdown(verdict, { baseline: '../main/.bench', current: '/ci/.bench' });
  const rows = markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| verdict'));
  assert.equal(rows.length, 2);
  assert.match(rows[0]!, /^\| ❌ regressed \| `m\/tflite\/int8@node:host\/tflite-node\[batch=1\]` \| – \| – \| failed on B, not on A: load failed: a \\\| b \|$/);
  assert.match(rows[1]!, /^\| same \| `m\/tfjs\/float32@node:host\/tfjs-wasm\[batch=1\]` \| 1\.000 \| 1\.000–1\.000 \|/);
  assert.match(markdown, /1 regressed, 0 improved, 1 same, 0 inconclusive/);
});
