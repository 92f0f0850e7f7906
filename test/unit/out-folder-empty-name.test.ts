/**
 * `--out ""` (an unset variable) or a blank name is refused with one line
 * before anything is read or written: it once made the working folder the
 * out folder, and importing a model with id `tflite` deleted the project's
 * own `models/tflite/`. An empty flag is a usage error (exit 2) at the CLI;
 * an empty `out` from a config file is refused where the out folder is resolved.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
      assert.equal(code, 2, stderr);
    } finally {
      process.chdir(previous);
    }
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /^error: --out is empty/);
    assert.equal((JSON.parse(stdout) as { error: { code: string } }).error.code, 'BAD_USAGE');
    assert.deepEqual(readdirSync(cwd), [], 'the working folder is untouched');
  });
}

test('an empty out in the config file is refused in one line, and nothing is written', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'edgebench-out-empty-config-'));
  const previous = process.cwd();
  let stderr = '';
  let stdout = '';
  try {
    writeFileSync(join(folder, 'bench.config.json'), JSON.stringify({ out: ' ' }));
    process.chdir(folder);
    const code = await main(['retrain', '--json'], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
    assert.equal(code, 1, stderr);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /^error: the out folder is empty: name a folder/);
    assert.equal((JSON.parse(stdout) as { error: { code: string } }).error.code, 'OUT_EMPTY');
    assert.deepEqual(readdirSync(folder), ['bench.config.json'], 'the working folder holds only the config');
  } finally {
    process.chdir(previous);
    rmSync(folder, { recursive: true, force: true });
  }
});
