/**
 * `bench report --merge`: runs from two hosts in one report. Each device
 * keeps its host (its id and `extra.host` name the label), so the same
 * `host` Node device or `chromium-156` on two machines are two devices and
 * their keys never match; runs of different benchmarks, one run alone, or a
 * label that is not a safe name are one-line errors.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { keyId, type DeviceInfo } from '../../harness/core/record.ts';
import { mergeRuns, parseMergeArgument } from '../../harness/merge-runs.ts';
import { hostDevice, latencies, measurement, record, saveRecord } from '../fixtures/report-records.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const chromium: DeviceInfo = { id: 'chromium-156', kind: 'browser', name: 'Chromium 156', browser: { name: 'chromium', version: '156', userAgent: 'Chrome/156' } };
const run = (runId: string, center: number) =>
  record({
    runId,
    measurements: [measurement({ runtime: 'tfjs-wasm', device: hostDevice, samples: latencies(20, center) }), measurement({ runtime: 'tfjs-wasm', device: chromium, samples: latencies(20, center * 2) })],
  });

test('each device keeps its host; keys from two hosts never match', () => {
  const merged = mergeRuns([
    { label: 'lab-a', record: run('r1', 10) },
    { label: 'lab-b', record: run('r2', 20) },
  ]);
  assert.deepEqual(merged.measurements.map((entry) => entry.device.id), ['host-on-lab-a', 'chromium-156-on-lab-a', 'host-on-lab-b', 'chromium-156-on-lab-b']);
  assert.deepEqual(merged.measurements.map((entry) => entry.device.extra?.host), ['lab-a', 'lab-a', 'lab-b', 'lab-b']);
  assert.equal(new Set(merged.measurements.map((entry) => keyId(entry.key))).size, 4, 'four keys, none shared across hosts');
  assert.ok(merged.measurements.every((entry) => entry.key.device === entry.device.id));
});

test('refused: one run, a shared label, a label that is not a name, two benchmarks', () => {
  assert.throws(() => mergeRuns([{ label: 'a', record: run('r1', 1) }]), { code: 'MERGE_TOO_FEW' });
  assert.throws(() => mergeRuns([{ label: 'a', record: run('r1', 1) }, { label: 'a', record: run('r2', 1) }]), { code: 'MERGE_LABEL' });
  assert.throws(() => parseMergeArgument('.x=/runs/a', 0), { code: 'MERGE_LABEL' });
  assert.deepEqual(parseMergeArgument('/runs/a', 1), { label: 'host2', path: '/runs/a' });
  const other = { ...run('r2', 1), benchmark: { name: 'other', version: 1 } };
  assert.throws(() => mergeRuns([{ label: 'a', record: run('r1', 1) }, { label: 'b', record: other }]), { code: 'MERGE_MISMATCH' });
});

test('bench report --merge renders one markdown summary with both hosts', async () => {
  const out = await tempDir('report-merge');
  try {
    const first = await saveRecord(out, run('r1', 10));
    const second = await saveRecord(out, run('r2', 20));
    const result = await bench(['report', '--out', out, '--format', 'md', '--merge', `lab-a=${dirname(first)},lab-b=${second}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /chromium-156-on-lab-a/);
    assert.match(result.stdout, /chromium-156-on-lab-b/);
    assert.match(result.stdout, /host-on-lab-b/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
