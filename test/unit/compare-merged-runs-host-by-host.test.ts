/**
 * `bench compare` on runs of several hosts merged (`--merge`, and a
 * comma-separated `--baseline`): each device keeps its host, so the same key
 * on two hosts is two keys and each compares only with its own host's. Hosts
 * whose levels differ twofold show ratios of exactly 1 when each host is
 * unchanged, which a cross-host match (ratio 2 or ½) would break; a slowdown
 * on one host is that host's key alone. A merged side against a single run
 * shares no key, and the command says why.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { test } from 'node:test';
import type { DeviceInfo, RunRecord } from '../../harness/core/record.ts';
import { mergeRuns } from '../../harness/merge-runs.ts';
import { compareRecords } from '../../reports/compare.ts';
import { hostDevice, measurement, record, roundLatencies, saveRecord } from '../fixtures/report-records.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const options = { threshold: 0.05, alpha: 0.01, accuracyDropPoints: 1, correction: 'holm' } as const;
const chromium: DeviceInfo = { id: 'chromium-156', kind: 'browser', name: 'Chromium 156', browser: { name: 'chromium', version: '156', userAgent: 'Chrome/156' } };
const rounds = (center: number, seed: number) => roundLatencies({ rounds: 5, center, roundSpread: 0.02, seed });

/** One host's run: the Node host and Chromium, `level` ms apart from the other host's. */
function hostRun(runId: string, level: number, seed: number): RunRecord {
  return record({
    runId,
    measurements: [measurement({ runtime: 'tfjs-wasm', device: hostDevice, rounds: rounds(level, seed) }), measurement({ runtime: 'tfjs-wasm', device: chromium, rounds: rounds(level * 3, seed + 1) })],
  });
}

/** The same host's run again: identical rounds (unchanged). */
const again = (run: RunRecord, runId: string): RunRecord => ({ ...run, runId });

const labA = hostRun('a-base', 10, 1);
const labB = hostRun('b-base', 20, 11);

test('the same key on two hosts is two keys, each compared with its own host', () => {
  const baseline = mergeRuns([{ label: 'lab-a', record: labA }, { label: 'lab-b', record: labB }]);
  const current = mergeRuns([{ label: 'lab-a', record: again(labA, 'a-now') }, { label: 'lab-b', record: again(labB, 'b-now') }]);
  const comparison = compareRecords(baseline, current, options);
  assert.ok(comparison.comparable);
  assert.deepEqual(comparison.entries.map((entry) => entry.id).sort(), [
    'tiny/tfjs/float32@browser:chromium-156-on-lab-a/tfjs-wasm#batch=1',
    'tiny/tfjs/float32@browser:chromium-156-on-lab-b/tfjs-wasm#batch=1',
    'tiny/tfjs/float32@node:host-on-lab-a/tfjs-wasm#batch=1',
    'tiny/tfjs/float32@node:host-on-lab-b/tfjs-wasm#batch=1',
  ].sort());
  for (const entry of comparison.entries) {
    assert.equal(entry.latency?.ratio, 1, `${entry.id}: compared with another host's key`);
    assert.equal(entry.verdict, 'same');
  }
});

test('bench compare --merge with a merged --baseline: a slowdown on one host is that host\'s key', async () => {
  const out = await tempDir('compare-merged');
  try {
    const paths = await Promise.all([labA, labB, again(labA, 'a-now'), hostRun('b-now', 40, 21)].map((run) => saveRecord(out, run)));
    const [aBase, bBase, aNow, bNow] = paths.map((path) => dirname(path));
    const result = await bench(['compare', '--out', out, '--merge', `lab-a=${aNow},lab-b=${bNow}`, '--baseline', `lab-a=${aBase},lab-b=${bBase}`, '--format', 'md']);
    assert.match(result.stderr, /each key compares with the same host's key/);
    const changed = result.stderr.split('\n').filter((line) => /regressed|inconclusive/.test(line) && /-on-lab/.test(line));
    assert.ok(changed.length > 0, result.stderr);
    assert.ok(changed.every((line) => line.includes('-on-lab-b')), `only lab-b's keys changed:\n${changed.join('\n')}`);
    assert.match(result.stderr, /= same\s+tiny\/tfjs\/float32@node:host-on-lab-a\/tfjs-wasm /);
    assert.match(result.stderr, /= same\s+tiny\/tfjs\/float32@browser:chromium-156-on-lab-a\/tfjs-wasm /);
    assert.notEqual(result.code, 3, result.stderr);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a merged side against a single run shares no key, and the command says why', async () => {
  const out = await tempDir('compare-merged-single');
  try {
    const [aBase, bBase, single] = await Promise.all([labA, labB, again(labA, 'single')].map(async (run) => dirname(await saveRecord(out, run))));
    const result = await bench(['compare', '--out', out, 'single', '--baseline', `lab-a=${aBase},lab-b=${bBase}`]);
    assert.match(result.stderr, /one side is runs of several hosts merged, the other a single run/);
    assert.match(result.stderr, /no measurement key is in both runs/);
    assert.ok(single);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('a run and --merge together is a one-line error', async () => {
  const result = await bench(['compare', 'x', '--merge', 'a=/nowhere,b=/nowhere2', '--baseline', 'latest']);
  assert.match(result.stderr, /not both/);
  assert.notEqual(result.code, 0);
});
