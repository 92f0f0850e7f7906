/**
 * Listing and loading run records: order, broken records, what `latest`, an
 * id and a path mean, which earlier runs make a trend, and `bench history`.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordError, listRuns, loadHistory, readRunRecord, resolveRun, type RunSummary } from '../../harness/history.ts';
import { failure, latencies, measurement, record, saveRecord } from '../fixtures/report-records.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

async function withRuns(fn: (out: string) => Promise<void>): Promise<void> {
  const out = await tempDir('history');
  try {
    // Saved out of order: listing sorts by start time, not by folder name or write order.
    await saveRecord(out, record({ runId: 'c-third', startedAt: '2025-03-01T00:00:00.000Z', measurements: [measurement({ samples: latencies(5, 12) })] }));
    await saveRecord(out, record({ runId: 'a-first', startedAt: '2025-01-01T00:00:00.000Z', measurements: [measurement({ samples: latencies(5, 10) })] }));
    await saveRecord(
      out,
      record({
        runId: 'b-second',
        startedAt: '2025-02-01T00:00:00.000Z',
        status: 'interrupted',
        measurements: [measurement({ samples: latencies(5, 11) }), measurement({ model: 'other', samples: latencies(5, 11) })],
        failures: [failure({ runtime: 'tflite-node', message: 'boom' })],
      }),
    );
    await fn(out);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

test('runs are listed oldest first with their counts; a broken record is skipped with its reason', async () => {
  await withRuns(async (out) => {
    await mkdir(join(out, 'runs', 'zz-broken'), { recursive: true });
    await writeFile(join(out, 'runs', 'zz-broken', 'run.json'), '{"schema": 1, "runId": ');
    await mkdir(join(out, 'runs', 'zz-empty'), { recursive: true });
    const { runs, skipped } = await listRuns(out);
    assert.deepEqual(runs.map((run) => run.runId), ['a-first', 'b-second', 'c-third']);
    const second = runs[1]!;
    assert.equal(second.status, 'interrupted');
    assert.equal(second.measurements, 2);
    assert.equal(second.failures, 1);
    assert.deepEqual(second.models, ['other', 'tiny']);
    assert.equal(second.git?.commit, '0123456789abcdef0123456789abcdef01234567');
    assert.deepEqual(skipped.map((entry) => entry.path.split('/').at(-2)).sort(), ['zz-broken', 'zz-empty']);
    assert.match(skipped.find((entry) => entry.path.includes('zz-broken'))!.reason, /not valid JSON/);
  });
});

test('no runs folder is an empty listing, not an error', async () => {
  const out = await tempDir('history-empty');
  assert.deepEqual(await listRuns(out), { runs: [], skipped: [] });
  await assert.rejects(resolveRun(out, undefined), (error: unknown) => error instanceof RecordError && /no runs under/.test(error.message));
  await rm(out, { recursive: true, force: true });
});

test('latest, a run id, a run.json path and a run folder all resolve; latest can skip the current run', async () => {
  await withRuns(async (out) => {
    assert.equal((await resolveRun(out, undefined)).record.runId, 'c-third');
    assert.equal((await resolveRun(out, 'latest')).record.runId, 'c-third');
    assert.equal((await resolveRun(out, 'latest', { exclude: 'c-third' })).record.runId, 'b-second');
    assert.equal((await resolveRun(out, 'a-first')).record.runId, 'a-first');
    assert.equal((await resolveRun(out, join(out, 'runs', 'b-second', 'run.json'))).record.runId, 'b-second');
    assert.equal((await resolveRun(out, join(out, 'runs', 'b-second'))).record.runId, 'b-second');
    await assert.rejects(resolveRun(out, 'nope'), (error: unknown) => error instanceof RecordError && error.code === 'RECORD_NOT_FOUND' && /nope/.test(error.message));
  });
});

test('a record missing the arrays a crash left unwritten loads with them empty; a non-record is refused', async () => {
  const out = await tempDir('history-partial');
  const path = join(out, 'run.json');
  await writeFile(path, JSON.stringify({ schema: 1, runId: 'partial', startedAt: '2025-01-01T00:00:00.000Z', status: 'running', measurements: [] }));
  const partial = await readRunRecord(path);
  assert.deepEqual([partial.failures, partial.artifacts, partial.devices, partial.training], [[], [], [], []]);
  assert.equal(partial.status, 'running');
  await writeFile(path, JSON.stringify([1, 2, 3]));
  await assert.rejects(readRunRecord(path), (error: unknown) => error instanceof RecordError && error.code === 'RECORD_INVALID');
  await rm(out, { recursive: true, force: true });
});

test('history for a trend: earlier runs of the same benchmark and schema only, the most recent first kept', async () => {
  await withRuns(async (out) => {
    await saveRecord(out, record({ runId: 'old-schema', startedAt: '2025-01-15T00:00:00.000Z', schema: 2 }));
    await saveRecord(out, record({ runId: 'other-bench', startedAt: '2025-01-16T00:00:00.000Z', benchmark: { name: 'edgebench', version: 2 } }));
    const current = (await resolveRun(out, 'c-third')).record;
    assert.deepEqual((await loadHistory(out, current)).map((run) => run.runId), ['a-first', 'b-second']);
    assert.deepEqual((await loadHistory(out, current, { limit: 1 })).map((run) => run.runId), ['b-second']);
    assert.deepEqual(await loadHistory(out, current, { limit: 0 }), []);
    const first = (await resolveRun(out, 'a-first')).record;
    assert.deepEqual(await loadHistory(out, first), [], 'nothing before the first run');
  });
});

test('bench history --json lists the runs for machines', async () => {
  await withRuns(async (out) => {
    // The CLI in this process (../helpers/cli.ts), not a spawned harness/bin.js: Node and tsx started twice for two lines of JSON.
    const all = await bench(['history', '--out', out, '--json']);
    assert.equal(all.code, 0, all.stderr);
    const { runs } = JSON.parse(all.stdout) as { runs: RunSummary[] };
    assert.deepEqual(runs.map((run) => [run.runId, run.status, run.measurements, run.failures]), [
      ['a-first', 'complete', 1, 0],
      ['b-second', 'interrupted', 2, 1],
      ['c-third', 'complete', 1, 0],
    ]);
    const limited = await bench(['history', '--out', out, '--json', '--limit', '1']);
    assert.equal(limited.code, 0, limited.stderr);
    assert.deepEqual((JSON.parse(limited.stdout) as { runs: RunSummary[] }).runs.map((run) => run.runId), ['c-third']);
  });
});
