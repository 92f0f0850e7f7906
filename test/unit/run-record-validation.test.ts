/**
 * Run records are checked against the schema when read: a changed or
 * missing field is one line naming the file and the field (a RecordError,
 * which the CLI prints without a stack trace); a record of a newer schema is
 * refused; a run id that is not one folder name is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { listRuns, readRunRecord, RecordError } from '../../harness/history.ts';
import { measurement, record } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

function valid() {
  return JSON.parse(JSON.stringify(record({ runId: 'r1', measurements: [measurement({ samples: [10, 11, 12] })] }))) as Record<string, unknown> & { measurements: Record<string, unknown>[] };
}

const MALFORMED: Array<{ name: string; edit: (value: ReturnType<typeof valid>) => unknown; field: RegExp }> = [
  {
    name: 'a measurement without key',
    edit: (value) => {
      delete value.measurements[0]!.key;
      return value;
    },
    field: /measurements\[0\]\.key: expected object, received undefined/,
  },
  {
    name: 'latency null',
    edit: (value) => {
      value.measurements[0]!.latency = null;
      return value;
    },
    field: /measurements\[0\]\.latency: expected object, received null/,
  },
  { name: 'measurements "oops"', edit: (value) => ({ ...value, measurements: 'oops' }), field: /measurements: expected array, received string/ },
  {
    name: 'a p50 that is a string',
    edit: (value) => {
      (value.measurements[0]!.latency as Record<string, unknown>).p50 = '10 ms';
      return value;
    },
    field: /measurements\[0\]\.latency\.p50: expected number, received string/,
  },
  { name: 'a traversal run id', edit: (value) => ({ ...value, runId: '../../../x' }), field: /runId: a run id is one folder name/ },
  { name: 'a newer schema', edit: (value) => ({ ...value, schema: 2 }), field: /record schema 2, newer than the 1 this edgebench reads/ },
];

test('each malformed record is one line naming the file and the field', async () => {
  const dir = await tempDir('record-validation');
  try {
    for (const { name, edit, field } of MALFORMED) {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.json`);
      await writeFile(path, JSON.stringify(edit(valid())));
      await assert.rejects(
        readRunRecord(path),
        (error: unknown) => {
          assert.ok(error instanceof RecordError, `${name}: a RecordError`);
          assert.equal(error.code, 'RECORD_INVALID');
          assert.ok(!error.message.includes('\n'), `${name}: one line: ${error.message}`);
          assert.ok(error.message.startsWith(`run record ${path}: `), `${name}: names the file: ${error.message}`);
          assert.match(error.message, field, name);
          return true;
        },
        name,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a valid record and a partial one (a crashed run) load; arrays it never wrote are empty', async () => {
  const dir = await tempDir('record-validation-ok');
  try {
    const path = join(dir, 'run.json');
    await writeFile(path, JSON.stringify(valid()));
    assert.equal((await readRunRecord(path)).measurements[0]!.latency.p50, 11);
    await writeFile(path, JSON.stringify({ schema: 1, runId: 'partial', startedAt: '2025-01-01T00:00:00.000Z' }));
    const partial = await readRunRecord(path);
    assert.deepEqual([partial.status, partial.measurements, partial.failures, partial.devices], ['running', [], [], []]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench history lists a malformed record as skipped, with its reason, and the others', async () => {
  const out = await tempDir('record-validation-history');
  try {
    for (const [id, value] of [['good', valid()], ['bad', { ...valid(), runId: 'bad', measurements: 'oops' }]] as const) {
      await mkdir(join(out, 'runs', id), { recursive: true });
      await writeFile(join(out, 'runs', id, 'run.json'), JSON.stringify(value));
    }
    const { runs, skipped } = await listRuns(out);
    assert.deepEqual(runs.map((run) => run.runId), ['r1']);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!.reason, /runs\/bad\/run\.json: measurements: expected array, received string/);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
