/**
 * `bench report` and `bench compare` on a malformed run.json (a measurement
 * without key, latency null, measurements "oops", a traversal run id, a newer
 * schema): one error line naming the file and the field, a documented exit
 * code, no stack trace, and nothing written outside --out.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { measurement, record, saveRecord } from '../fixtures/report-records.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

function good(runId: string) {
  return JSON.parse(JSON.stringify(record({ runId, measurements: [measurement({ samples: [10, 11, 12, 10.5, 11.5] })] }))) as Record<string, unknown> & { measurements: Record<string, unknown>[] };
}

const CASES = [
  {
    name: 'no-key',
    edit: (value: ReturnType<typeof good>) => {
      delete value.measurements[0]!.key;
      return value;
    },
    field: 'measurements[0].key',
  },
  {
    name: 'latency-null',
    edit: (value: ReturnType<typeof good>) => {
      value.measurements[0]!.latency = null;
      return value;
    },
    field: 'measurements[0].latency',
  },
  { name: 'oops', edit: (value: ReturnType<typeof good>) => ({ ...value, measurements: 'oops' }), field: 'measurements' },
  { name: 'traversal', edit: (value: ReturnType<typeof good>) => ({ ...value, runId: '../../../escaped' }), field: 'runId' },
  { name: 'newer', edit: (value: ReturnType<typeof good>) => ({ ...value, schema: 99 }), field: 'record schema 99' },
];

test('each malformed record: one line naming file and field, exit 1 (report) or 3 (compare), nothing written', async () => {
  const root = await tempDir('bad-records');
  const out = join(root, 'deep', 'er', 'out');
  try {
    await saveRecord(out, record({ runId: 'baseline', measurements: [measurement({ samples: [10, 11, 12, 10.5, 11.5] })] }));
    for (const { name, edit, field } of CASES) {
      const dir = join(out, 'runs', name);
      await mkdir(dir, { recursive: true });
      const path = join(dir, 'run.json');
      await writeFile(path, JSON.stringify(edit(good(name))));
      for (const [args, expectedCode] of [
        [['report', name, '--out', out], 1],
        [['report', name, '--out', out, '--format', 'md'], 1],
        [['compare', '--baseline', 'baseline', name, '--out', out], 3],
      ] as const) {
        const result = await bench([...args], { cwd: root });
        const lines = result.stderr.trim().split('\n');
        assert.equal(result.code, expectedCode, `${args.join(' ')}: ${result.stderr}`);
        assert.equal(lines.length, 1, `${args.join(' ')}: one line, no stack trace:\n${result.stderr}`);
        assert.ok(lines[0]!.startsWith(`error: run record ${path}: `), lines[0]);
        assert.ok(lines[0]!.includes(field), `${name}: names ${field}: ${lines[0]}`);
        assert.equal(result.stdout, '', 'nothing rendered');
      }
      assert.ok(!existsSync(join(dir, 'report.html')), `${name}: no report written`);
    }
    // The traversal id would have put report.html three folders above runs/.
    assert.ok(!existsSync(join(out, 'runs', '..', '..', '..', 'escaped')));
    assert.deepEqual((await readdir(join(root, 'deep'))).sort(), ['er']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
