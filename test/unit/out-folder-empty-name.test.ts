/**
 * `--out ""` (an unset variable) or a blank name is refused with one line
 * before anything is read or written: it once made the working folder the
 * out folder, and importing a model with id `tflite` deleted the project's
 * own `models/tflite/`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../harness/cli.ts';

const cwd = mkdtempSync(join(tmpdir(), 'edgebench-out-empty-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

for (const [command, value] of [['history', ''], ['report', '  '], ['retrain', ''], ['run', '\t']] as const) {
  test(`bench ${command} --out ${JSON.stringify(value)} is refused in one line, and nothing is written`, async () => {
    const previous = process.cwd();
    process.chdir(cwd);
    let stderr = '';
    let stdout = '';
    try {
      const code = await main([command, '--out', value, '--json'], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
      assert.equal(code, 1, stderr);
    } finally {
      process.chdir(previous);
    }
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /^error: --out is empty: name a folder/);
    assert.equal((JSON.parse(stdout) as { error: { code: string } }).error.code, 'OUT_EMPTY');
    assert.deepEqual(readdirSync(cwd), [], 'the working folder is untouched');
  });
}
