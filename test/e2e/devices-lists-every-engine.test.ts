/**
 * `bench devices` on this machine lists each browser engine installed
 * (Chromium, Firefox, WebKitGTK) with its version and the runtimes it can
 * run: tfjs-wasm and litert-wasm in each; a software renderer is never listed
 * as a GPU runtime to run by default (skipped where one is missing). On a
 * PATH without their packages, each is listed not usable with the line that
 * installs it, and the command still succeeds.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    // An extra engine's GPU runtime is never plainly available in a default run: opt-in, software or unavailable.
    assert.doesNotMatch(engine, /^ {2}(tfjs-webgl|tfjs-webgpu|litert-webgpu) +available( {2}|$)/m);
  }
  // WebKit names its renderer "Apple GPU" even on Xvfb: marked software all the same.
  if (!process.env.DISPLAY) assert.match(webkit, /^ {2}tfjs-webgl +available software \(software rendering on Xvfb/m);
  assert.match(block(/^browser chromium-\d+: Chromium/), /^ {2}tfjs-wasm +available/m);
});

test('without the packages: each engine listed with its install line', async () => {
  const empty = await tempDir('devices-no-engines');
  const config = join(empty, 'bench.config.json');
  await writeFile(config, JSON.stringify({ browser: { browsers: ['firefox', 'webkit'] } }));
  const saved = { PATH: process.env.PATH, DISPLAY: process.env.DISPLAY };
  process.env.PATH = empty;
  delete process.env.DISPLAY;
  try {
    const { code, stdout, stderr } = await bench(['devices', '--targets', 'browser', '--out', out, '--config', config]);
    assert.equal(code, 0, stderr);
    const text = `${stdout}\n${stderr}`;
    assert.match(text, /^browser firefox-missing: firefox not usable: .*apt-get install firefox-esr/m);
    assert.match(text, /^browser webkit-missing: webkit not usable: .*apt-get install webkit2gtk-driver xvfb/m);
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.DISPLAY !== undefined) process.env.DISPLAY = saved.DISPLAY;
    rmSync(empty, { recursive: true, force: true });
  }
});
