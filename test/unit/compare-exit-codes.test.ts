/**
 * `bench compare` through the real command, on constructed records with known
 * shifts measured in rounds: every exit code, --json and --format md. The
 * verdicts themselves (compareRecords): test/unit/compare-verdict-per-key.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../harness/core/record.ts';
import type { Comparison } from '../../reports/compare.ts';
import { earlierRuns, measurement, record, roundLatencies, saveRecord } from '../fixtures/report-records.ts';
import { bench } from '../helpers/cli.ts';

/** Five rounds of 30 samples around `center`, rounds scattered ±3%. */
const rounds = (center: number, seed: number) => roundLatencies({ rounds: 5, center, roundSpread: 0.03, seed });

/** The 20 earlier runs a CI folder keeps (compare.history), of the same distribution as `like`. */
const history20 = (like: RunRecord) => earlierRuns(like, { count: 20, roundSpread: 0.03, runSpread: 0, seed: 7 });

async function withRuns(fn: (out: string) => Promise<void>): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'edgebench-compare-'));
  try {
    await fn(out);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

test('exit codes through the real command: 0 same, 1 regressed, 2 inconclusive under --strict, 3 missing or incompatible', async () => {
  await withRuns(async (out) => {
    const base = rounds(10, 1);
    const baseRecord = record({ runId: '20250101-000000-base', startedAt: '2025-01-01T00:00:00.000Z', measurements: [measurement({ rounds: base })] });
    // The earlier runs a CI folder keeps: without them no change can be told from the machine (inconclusive).
    for (const earlier of history20(baseRecord)) await saveRecord(out, earlier);
    await saveRecord(out, baseRecord);
    await saveRecord(out, record({ runId: '20250102-000000-same', startedAt: '2025-01-02T00:00:00.000Z', measurements: [measurement({ rounds: rounds(10, 2) })] }));
    await saveRecord(out, record({ runId: '20250103-000000-slow', startedAt: '2025-01-03T00:00:00.000Z', measurements: [measurement({ rounds: rounds(12, 3) })] }));
    await saveRecord(out, record({ runId: '20250104-000000-few', startedAt: '2025-01-04T00:00:00.000Z', measurements: [measurement({ samples: [12, 12.1, 11.9] })] }));
    await saveRecord(out, record({ runId: '20250100-000000-few-base', startedAt: '2024-12-31T00:00:00.000Z', measurements: [measurement({ samples: [10, 10.1, 9.9] })] }));
    await saveRecord(out, record({ runId: '20250105-000000-v2', startedAt: '2025-01-05T00:00:00.000Z', schema: 2, measurements: [measurement({ rounds: base })] }));
    const compare = async (...args: string[]) => (await bench(['compare', '--out', out, '--quiet', ...args])).code;

    assert.equal(await compare('--baseline', '20250101-000000-base', '20250102-000000-same'), 0);
    assert.equal(await compare('--baseline', '20250101-000000-base', '20250103-000000-slow'), 1);
    // One round each, and no earlier runs to measure the noise: inconclusive.
    assert.equal(await compare('--baseline', '20250100-000000-few-base', '20250104-000000-few', '--history', '0'), 0, 'inconclusive is not a failure without --strict');
    assert.equal(await compare('--baseline', '20250100-000000-few-base', '20250104-000000-few', '--history', '0', '--strict'), 2);
    assert.equal(await compare('--baseline', '20250101-000000-base', '20250105-000000-v2'), 3);
    assert.equal(await compare('--baseline', 'no-such-run', '20250102-000000-same'), 3);
    // A path works as a baseline; `latest` is the newest run other than the checked one.
    assert.equal(await compare('--baseline', join(out, 'runs', '20250103-000000-slow', 'run.json'), '20250101-000000-base'), 0, 'faster than the slow run: improved');
    // v2 is of a newer schema: refused when named (3 above), and not taken for `latest`, which is then `few`.
    assert.equal(await compare('--baseline', 'latest', '20250103-000000-slow', '--threshold', '0.5'), 0, 'latest other than slow, skipping the unreadable v2, is few');
  });
});

test('a key the baseline measured and this run lacks (a phone unplugged before discovery) passes plainly and fails under --strict with 2', async () => {
  await withRuns(async (out) => {
    const phone = measurement({ format: 'tflite', variant: 'int8', rounds: rounds(5, 1) });
    const first = record({ runId: 'r1', startedAt: '2025-01-01T00:00:00.000Z', measurements: [phone, measurement({ rounds: rounds(10, 1) })] });
    for (const earlier of [...history20(first), first]) await saveRecord(out, earlier);
    await saveRecord(out, record({ runId: 'r2', startedAt: '2025-01-02T00:00:00.000Z', measurements: [measurement({ rounds: rounds(10, 2) })] }));
    const plain = await bench(['compare', '--out', out, '--baseline', 'r1', 'r2']);
    assert.equal(plain.code, 0, 'nothing failed: the remaining key is the same');
    assert.match(plain.stderr, /missing from this run .*--strict fails on these\): .*tflite\/int8/);
    assert.equal((await bench(['compare', '--out', out, '--baseline', 'r1', 'r2', '--strict', '--quiet'])).code, 2);
  });
});

test('--json prints the comparison on stdout for machines', async () => {
  await withRuns(async (out) => {
    const first = record({ runId: 'r1', startedAt: '2025-01-01T00:00:00.000Z', measurements: [measurement({ rounds: rounds(10, 1) })] });
    for (const earlier of [...history20(first), first]) await saveRecord(out, earlier);
    await saveRecord(out, record({ runId: 'r2', startedAt: '2025-01-02T00:00:00.000Z', measurements: [measurement({ rounds: rounds(12, 2) })] }));
    const { stdout, code } = await bench(['compare', '--out', out, '--baseline', 'latest', '--json']);
    assert.equal(code, 1);
    const parsed = JSON.parse(stdout) as Comparison;
    assert.ok(parsed.comparable);
    assert.equal(parsed.baseline.runId, 'r1');
    assert.equal(parsed.current.runId, 'r2');
    assert.equal(parsed.entries[0]!.verdict, 'regressed');
  });
});

test('--format md prints the verdicts as a markdown table for a CI comment, regressions first', async () => {
  await withRuns(async (out) => {
    const fast = measurement({ format: 'tflite', variant: 'int8', rounds: rounds(5, 1) });
    const first = record({ runId: 'r1', startedAt: '2025-01-01T00:00:00.000Z', measurements: [fast, measurement({ rounds: rounds(10, 1) })] });
    for (const earlier of [...history20(first), first]) await saveRecord(out, earlier);
    await saveRecord(out, record({ runId: 'r2', startedAt: '2025-01-02T00:00:00.000Z', measurements: [fast, measurement({ rounds: rounds(12, 2) })] }));
    const { stdout, code } = await bench(['compare', '--out', out, '--baseline', 'r1', 'r2', '--format', 'md', '--quiet']);
    assert.equal(code, 1);
    assert.match(stdout, /^### edgebench compare: `r2` against `r1`/);
    assert.match(stdout, /adjusted over 2 keys by Holm \(family-wise error rate\)/, 'the output states the adjustment');
    const rows = stdout.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| verdict'));
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /^\| ❌ regressed \| `tiny\/tfjs\/float32@node:host\/tfjs-wasm` \|/);
    assert.match(rows[1]!, /^\| same \| `tiny\/tflite\/int8@node:host\/tflite-node` \| \d\.\d+ ms \| \d\.\d+ ms \| \+0\.0% \| 5 \/ 5 \| ±\d+\.\d% \| 1\.0000 \|/);
  });
});
