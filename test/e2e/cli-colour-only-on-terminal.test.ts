/**
 * Colour escapes only where a terminal shows them: `bench --help | cat` and a
 * log piped to a file are plain text (citty coloured its usage and picocolors
 * looked at stdout while the log goes to stderr); NO_COLOR turns colour off,
 * FORCE_COLOR on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { after, test } from 'node:test';
import { main } from '../../harness/cli.ts';
import { colourWanted } from '../../harness/core/log.ts';

const BIN = join(import.meta.dirname, '..', '..', 'harness', 'bin.js');
/** A text with colour escapes in it (what stripping them would change). */
const ESCAPE = { test: (text: string) => stripVTControlCharacters(text) !== text };
const dir = mkdtempSync(join(tmpdir(), 'edgebench-colour-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The environment without anything that decides colour (citty turns colour off by itself under CI or TEST). */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extra };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'CI', 'TEST']) if (!(name in extra)) delete env[name];
  return env;
}

function bench(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('bench run --help piped prints no escape codes; FORCE_COLOR keeps them', () => {
  const piped = bench(['run', '--help'], plainEnv());
  assert.equal(piped.status, 0, piped.stderr);
  assert.match(piped.stdout, /USAGE/);
  assert.ok(!ESCAPE.test(piped.stdout), 'bench run --help | cat');
  assert.ok(ESCAPE.test(bench(['run', '--help'], plainEnv({ FORCE_COLOR: '1' })).stdout));
});

test('bench --help to a stream that is not a terminal is plain, and NO_COLOR wins over FORCE_COLOR', async () => {
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  try {
    for (const env of [{}, { FORCE_COLOR: '1', NO_COLOR: '1' }]) {
      delete process.env.NO_COLOR;
      delete process.env.FORCE_COLOR;
      Object.assign(process.env, env);
      let stdout = '';
      assert.equal(await main(['--help'], { stdout: (text) => void (stdout += text), stderr: () => {} }), 0);
      assert.match(stdout, /USAGE/);
      assert.ok(!ESCAPE.test(stdout), JSON.stringify(env));
    }
  } finally {
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
});

test('a warning logged to a stream that is not a terminal is plain; on a terminal it is coloured', async () => {
  // A run folder with a record that is not JSON: bench history warns that it skipped it.
  const out = join(dir, 'out');
  mkdirSync(join(out, 'runs', 'broken'), { recursive: true });
  writeFileSync(join(out, 'runs', 'broken', 'run.json'), '{');
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  delete process.env.NO_COLOR;
  delete process.env.FORCE_COLOR;
  try {
    for (const stderrIsTTY of [false, true]) {
      let stderr = '';
      const code = await main(['history', '--out', out], { stdout: () => {}, stderr: (text) => void (stderr += text), stderrIsTTY });
      assert.equal(code, 0, stderr);
      assert.match(stderr, /warning: skipped .*run\.json/);
      if (stderrIsTTY && process.env.TERM !== 'dumb') assert.ok(ESCAPE.test(stderr), 'coloured on a terminal');
      else assert.ok(!ESCAPE.test(stderr), 'plain when piped');
    }
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
});

test('the colour rule: NO_COLOR off, FORCE_COLOR on, else a terminal that is not dumb', () => {
  assert.equal(colourWanted(true, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
  assert.equal(colourWanted(false, { FORCE_COLOR: '1' }), true);
  assert.equal(colourWanted(true, { FORCE_COLOR: '0' }), true);
  assert.equal(colourWanted(false, { FORCE_COLOR: '0' }), false);
  assert.equal(colourWanted(true, { TERM: 'dumb' }), false);
  assert.equal(colourWanted(true, {}), true);
  assert.equal(colourWanted(false, {}), false);
});
