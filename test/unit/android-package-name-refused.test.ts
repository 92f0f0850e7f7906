/**
 * The browser package in `android.capabilities` reaches the phone's shell
 * (`adb shell pidof <package>`): a value that is not an Android package
 * name (a `;`, a `$(…)`, a newline, a quote) is refused when the config is
 * read, with one line naming the key, before adb is ever run. A real
 * package name passes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../harness/cli.ts';
import { shellQuote } from '../../targets/android/adb.ts';

const dir = mkdtempSync(join(tmpdir(), 'edgebench-android-package-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// An adb that only notes it was run: a refused config must never get that far.
const adb = join(dir, 'adb');
const ran = join(dir, 'adb-ran');
writeFileSync(adb, `#!/bin/sh\ntouch '${ran}'\necho 'List of devices attached'\n`, { mode: 0o755 });

async function devicesWith(capabilities: Record<string, unknown>): Promise<{ code: number; stderr: string }> {
  const config = join(dir, 'bench.config.json');
  writeFileSync(config, JSON.stringify({ android: { adb, capabilities } }));
  rmSync(ran, { force: true });
  let stderr = '';
  const code = await main(['devices', '--targets', 'android', '--config', config, '--out', join(dir, 'out')], { stdout: () => {}, stderr: (text) => void (stderr += text) });
  return { code, stderr };
}

const malicious = ['com.android.chrome; reboot', '$(reboot)', 'com.x`id`', "com.x' || reboot '", 'com.android.chrome\nreboot', 'chrome', '.com.x', 'com..x', '1com.x', 'com.x-y', 'x'.repeat(300).replace(/(.{50})/g, '$1.'), 42];

for (const [key, wrap] of [
  ['goog:chromeOptions.androidPackage', (value: unknown) => ({ 'goog:chromeOptions': { androidPackage: value } })],
  ['appium:chromeOptions.androidPackage', (value: unknown) => ({ 'appium:chromeOptions': { androidPackage: value } })],
  ['appium:appPackage', (value: unknown) => ({ 'appium:appPackage': value })],
] as const) {
  test(`android.capabilities ${key}: anything but a package name is refused before adb runs`, async () => {
    for (const value of malicious) {
      const { code, stderr } = await devicesWith(wrap(value));
      assert.equal(code, 1, `${JSON.stringify(value)}: ${stderr}`);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line: ${stderr}`);
      assert.match(lines[0]!, new RegExp(`^error: invalid .*bench\\.config\\.json: android\\.capabilities\\.${key.replace(/\./g, '\\.')}: must be an Android package name such as com\\.android\\.chrome`), stderr);
      assert.equal(lines.filter((line) => /android\.capabilities/.test(line)).length, 1, `one line names the key: ${stderr}`);
      assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
      assert.equal(existsSync(ran), false, `adb never ran for ${JSON.stringify(value)}`);
    }
  });
}

test('a real package name passes, and is quoted for the phone’s shell all the same', async () => {
  const { code, stderr } = await devicesWith({ 'goog:chromeOptions': { androidPackage: 'com.chrome.beta' } });
  assert.equal(code, 0, stderr);
  assert.equal(existsSync(ran), true, 'adb ran');
  assert.equal(shellQuote('com.chrome.beta'), 'com.chrome.beta');
  assert.equal(shellQuote("com.x' || reboot '"), `'com.x'\\'' || reboot '\\'''`);
});
