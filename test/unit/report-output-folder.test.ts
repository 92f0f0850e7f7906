/**
 * `bench report --output` names a file: a folder is refused in one line
 * before anything is written (the old code left `<folder>.<pid>.tmp` beside
 * it, `/tmp.<pid>.tmp` at the root for `--output /tmp`), and a file is
 * written whole with no temporary file left beside it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../harness/cli.ts';
import { measurement, record, saveRecord } from '../fixtures/report-records.ts';
import { tempDir } from '../helpers/tmp.ts';

async function cli(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(argv, { stdout: () => {}, stderr: (text) => void (stderr += text) });
  return { code, stderr };
}

test('--output naming a folder is refused and leaves nothing beside it; a file gets the report and no temporary file', async () => {
  const root = await tempDir('report-output');
  try {
    const out = join(root, 'out');
    await saveRecord(out, record({ runId: 'run-1', measurements: [measurement({ samples: [1, 2, 3] })] }));
    const folder = join(root, 'reports');
    mkdirSync(folder);
    for (const format of ['md', 'json', 'html']) {
      const result = await cli(['report', '--out', out, '--format', format, '--output', folder]);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^error: --output ${folder} is a folder: name a file in it \\(e\\.g\\. ${folder}/report\\.html\\)`));
    }
    assert.deepEqual(readdirSync(root).sort(), ['out', 'reports'], 'no temporary file beside the folder');
    assert.deepEqual(readdirSync(folder), []);

    const file = join(folder, 'summary.md');
    const written = await cli(['report', '--out', out, '--format', 'md', '--output', file]);
    assert.equal(written.code, 0, written.stderr);
    assert.deepEqual(readdirSync(folder), ['summary.md']);
    assert.match(readFileSync(file, 'utf8'), /run-1/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
