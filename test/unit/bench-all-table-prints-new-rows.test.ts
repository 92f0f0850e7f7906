/**
 * `bench all` prints after each batch only the rows it has not printed yet
 * (measurements and failures alike), not the whole table again; the record
 * keeps everything.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unshown } from '../../harness/stream-table.ts';
import { failure, measurement, record } from '../fixtures/report-records.ts';
import { formatSummary } from '../../reports/run-summary.ts';

const first = measurement({ model: 'mobilenet_v2', runtime: 'tflite-node', samples: [4, 4.1, 4.2] });
const second = measurement({ model: 'inception_v3', runtime: 'tfjs-wasm', samples: [40, 41, 42] });
const broken = failure({ model: 'inception_v3', runtime: 'litert-wasm', message: 'page crashed' });

test('the second batch prints its own rows only; a batch adding nothing prints nothing', () => {
  const shown = new Set<string>();
  const one = unshown(record({ runId: 'r', measurements: [first] }), shown);
  assert.deepEqual(one.measurements, [first]);
  const whole = record({ runId: 'r', measurements: [first, second], failures: [broken] });
  const two = unshown(whole, shown);
  assert.deepEqual(two.measurements, [second]);
  assert.deepEqual(two.failures, [broken]);
  const lines = formatSummary(two).join('\n');
  assert.match(lines, /inception_v3/);
  assert.doesNotMatch(lines, /mobilenet_v2/);
  assert.match(lines, /failed: .*page crashed/);
  const three = unshown(whole, shown);
  assert.deepEqual([three.measurements, three.failures], [[], []]);
  // The record itself is untouched.
  assert.equal(whole.measurements.length, 2);
});
