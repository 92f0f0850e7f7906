/**
 * A link planted in the out folder is never written through: the write
 * check, the calibration, the run record and the report write beside a
 * target under a name nobody can guess, and a folder on the way that is a
 * link is refused. The audit's reproductions: each planted link pointed at
 * a file the user cares about, which the old code overwrote.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { runDir } from '../../harness/core/layout.ts';
import { writeCalibration } from '../../harness/calibration.ts';
import { checkOutFolder } from '../../harness/out-folder.ts';
import { RunRecordStore } from '../../harness/record-store.ts';
import type { NoiseCalibration } from '../../reports/noise.ts';
import { record } from '../fixtures/report-records.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A folder holding an out folder and, beside it, a file the user cares about. */
async function scene(prefix: string): Promise<{ root: string; out: string; precious: string }> {
  const root = await tempDir(prefix);
  const out = join(root, 'out');
  mkdirSync(out);
  const precious = join(root, 'precious.txt');
  writeFileSync(precious, 'precious\n');
  return { root, out, precious };
}

const init = (runId: string) => ({
  runId,
  host: record({ runId: 'x' }).host,
  config: parseConfig({}),
  artifacts: [],
  training: [],
  runtimeSizes: [],
});

test('the write check does not write through a link planted at its probe name', async () => {
  const { root, out, precious } = await scene('no-follow-probe');
  try {
    symlinkSync(precious, join(out, `.edgebench-write-check-${process.pid}`));
    checkOutFolder(out, { write: true });
    assert.equal(readFileSync(precious, 'utf8'), 'precious\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("the calibration does not write through a link planted at the old temporary name", async () => {
  const { root, out, precious } = await scene('no-follow-calibration');
  try {
    symlinkSync(precious, join(out, `calibration.json.${process.pid}.tmp`));
    const path = await writeCalibration(out, { schema: 1, keys: {}, host: { cpu: 'x' } } as unknown as NoiseCalibration);
    assert.equal(readFileSync(precious, 'utf8'), 'precious\n');
    assert.ok(lstatSync(path).isFile());
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { schema: number }).schema, 1);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the run record does not write through a link at its temporary name, nor into a runs folder that is a link', async () => {
  const { root, out, precious } = await scene('no-follow-record');
  try {
    const runId = '2026-01-01T00-00-00-000Z-abcdef';
    mkdirSync(runDir(out, runId), { recursive: true });
    symlinkSync(precious, join(runDir(out, runId), `run.json.${process.pid}.tmp`));
    const store = RunRecordStore.create(out, init(runId), { key: { reason: 'no key in this test' } });
    store.finish('complete');
    assert.equal(readFileSync(precious, 'utf8'), 'precious\n');
    assert.ok(lstatSync(store.path).isFile());

    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    const other = join(root, 'other-out');
    mkdirSync(other);
    symlinkSync(elsewhere, join(other, 'runs'));
    assert.throws(
      () => RunRecordStore.create(other, init('2026-01-01T00-00-00-000Z-123456'), { key: { reason: 'no key in this test' } }),
      (error: unknown) => error instanceof UserError && error.code === 'OUT_LINK' && !error.message.includes('\n') && /runs is a symbolic link/.test(error.message),
    );
    assert.deepEqual(readdirSync(elsewhere), [], 'nothing written where the link points');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a link at the target itself is replaced, not written through', async () => {
  const { root, out, precious } = await scene('no-follow-target');
  try {
    symlinkSync(precious, join(out, 'calibration.json'));
    await writeCalibration(out, { schema: 1, keys: {}, host: { cpu: 'x' } } as unknown as NoiseCalibration);
    assert.equal(readFileSync(precious, 'utf8'), 'precious\n');
    assert.ok(lstatSync(join(out, 'calibration.json')).isFile());
    assert.ok(existsSync(precious));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
