/**
 * `--config`'s help names exactly the files the loader tries, in its order
 * (it said bench.config.{ts,mjs,js,json} while seven names load).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../harness/cli.ts';
import { CONFIG_FILES } from '../../harness/config-file.ts';

test('bench run --help lists the seven config file names the loader tries', async () => {
  let stdout = '';
  assert.equal(await main(['run', '--help'], { stdout: (text) => void (stdout += text), stderr: () => {} }), 0);
  const line = stdout.split('\n').find((entry) => entry.includes('--config'));
  assert.ok(line, stdout);
  assert.deepEqual(line.match(/bench\.config\.\w+/g), CONFIG_FILES);
  assert.equal(CONFIG_FILES.length, 7);
});
