/**
 * A user error is one line on stderr and, with --json, one JSON document on
 * stdout carrying its stable code, so that scripts can branch on the code
 * rather than on the wording.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../harness/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'edgebench-cli-codes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// A model.json with a metadata.json beside it that is not JSON (a hand edit gone wrong).
mkdirSync(join(dir, 'broken'));
writeFileSync(join(dir, 'broken', 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {} }));
writeFileSync(join(dir, 'broken', 'metadata.json'), '{not json');

async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

const cases: Array<{ argv: string[]; code: string }> = [
  { argv: ['report', '--format', 'pdf'], code: 'REPORT_FORMAT' },
  { argv: ['report', '--history', '-3'], code: 'REPORT_HISTORY' },
  { argv: ['compare', '--baseline', 'latest', '--format', 'xml'], code: 'COMPARE_FORMAT' },
  { argv: ['devices', '--targets', 'toaster'], code: 'TARGET_UNKNOWN' },
  { argv: ['inspect', join(dir, 'absent.tflite')], code: 'FILE_NOT_FOUND' },
  { argv: ['run', '--config', join(dir, 'absent.config.json')], code: 'CONFIG_NOT_FOUND' },
  { argv: ['convert', '--model', join(dir, 'broken', 'model.json')], code: 'MODEL_METADATA_INVALID' },
];

for (const { argv, code } of cases) {
  test(`bench ${argv.join(' ')} --json reports ${code}`, async () => {
    const result = await runCli([...argv, '--out', join(dir, 'out'), '--json']);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line on stderr:\n${result.stderr}`);
    assert.match(result.stderr, /^error: /);
    const parsed = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    assert.equal(parsed.error.code, code);
    assert.equal(`error: ${parsed.error.message}`, result.stderr.trim());
  });
}

test('a config with a misspelt key reports CONFIG_INVALID and names the key', async () => {
  const file = join(dir, 'bench.config.json');
  writeFileSync(file, JSON.stringify({ retrain: { stepz: 3 } }));
  const result = await runCli(['run', '--config', file, '--json']);
  assert.equal(result.code, 1);
  const parsed = JSON.parse(result.stdout) as { error: { code: string; message: string } };
  assert.equal(parsed.error.code, 'CONFIG_INVALID');
  assert.match(parsed.error.message, /retrain\.stepz: unknown key/);
});

test('without --json a user error leaves stdout empty', async () => {
  const result = await runCli(['report', '--format', 'pdf', '--out', join(dir, 'out')]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, '');
});
