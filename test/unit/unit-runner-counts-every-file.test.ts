/**
 * test/run-unit.js runs many unit files in one process: a failing test, or a
 * file that throws while loading, still fails the tier (exit 1) and every
 * other file still runs; files that pass exit 0. Each file's top-level hooks
 * belong to its own suite.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => `test/fixtures/unit-runner/${name}.test.ts`;

function runUnit(files: string[]) {
  const result = spawnSync(process.execPath, ['test/run-unit.js', ...files], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

test('passing files exit 0 with their tests counted', () => {
  const { code, output } = runUnit([fixture('passes')]);
  assert.equal(code, 0, output);
  assert.match(output, /^1 of 1 files, 2 tests, 0 failed/m);
});

test('a failing test and a file that throws while loading fail the tier; the other files still run', () => {
  const { code, output } = runUnit([fixture('fails'), fixture('throws-on-import'), fixture('passes')]);
  assert.equal(code, 1, output);
  assert.match(output, /^3 of 3 files, /m);
  assert.match(output, /this one fails on purpose/);
  assert.match(output, /a unit file that fails to load/);
  assert.match(output, /✔ the file-level before ran first/);
});
