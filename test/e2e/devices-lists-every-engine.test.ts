/**
 * `bench devices` on this machine lists each browser engine installed
 * (Chromium, Firefox, WebKitGTK) with its version and the runtimes it can
 * run: tfjs-wasm and litert-wasm in each; a software renderer is never listed
 * as a GPU runtime to run by default. Skipped where Firefox or WebKitGTK is
 * missing (the missing case is test/unit/browser-engines-missing-install-line).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { findBrowsers } from '../../targets/browser/browsers.ts';
import { bench } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;
const search = await findBrowsers();
const engines = new Set(search.found.map((candidate) => candidate.engine));

before(async () => {
  out = await tempDir('devices-engines');
});
after(() => rmSync(out, { recursive: true, force: true }));

test('bench devices lists Chromium, Firefox and WebKit with versions and runtimes', { skip: engines.size < 3 && `missing: ${search.missing.map((missing) => missing.reason).join('; ')}`, timeout: 120_000 }, async () => {
  const { code, stdout, stderr } = await bench(['devices', '--targets', 'browser', '--out', out]);
  assert.equal(code, 0, stderr);
  const text = `${stdout}\n${stderr}`;
  const block = (id: RegExp) => {
    const lines = text.split('\n');
    const start = lines.findIndex((line) => id.test(line));
    assert.ok(start >= 0, `no device line ${id} in:\n${text}`);
    const end = lines.findIndex((line, index) => index > start && !line.startsWith('  '));
    return lines.slice(start, end < 0 ? undefined : end).join('\n');
  };
  const firefox = block(/^browser firefox-\d+: Firefox \d+\.\d+/);
  const webkit = block(/^browser webkitgtk-\d+\.\d+: WebKitGTK \d+\.\d+\.\d+/);
  for (const engine of [firefox, webkit]) {
    assert.doesNotMatch(engine.split('\n')[0]!, /not usable/);
    assert.match(engine, /^ {2}tfjs-wasm +available/m);
    assert.match(engine, /^ {2}litert-wasm +available/m);
    assert.doesNotMatch(engine, /^ {2}\S+webg\S+ +available\s*$/m, 'a GPU runtime on a software renderer is marked, not plainly available');
  }
  assert.match(block(/^browser chromium-\d+: Chromium/), /^ {2}tfjs-wasm +available/m);
});
