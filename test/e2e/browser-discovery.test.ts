/**
 * Finding browsers (system, Playwright's registry, paths the user names) and
 * saying, per runtime, why it is unavailable; then the real thing: discovery
 * of this machine's Chromium with its version and capabilities.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findBrowsers } from '../../targets/browser/browsers.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { PAGE_RUNTIMES, PROTOCOL_VERSION, type PageCapabilities } from '../../targets/page/index.ts';
import { runtimeStatuses } from '../../targets/page/runtimes.ts';
import { targetContext } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

async function fakeExecutable(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
  return path;
}

const FULL: PageCapabilities = {
  protocol: PROTOCOL_VERSION,
  userAgent: 'test',
  hardwareConcurrency: 8,
  crossOriginIsolated: true,
  sharedArrayBuffer: true,
  wasm: { supported: true, simd: true, relaxedSimd: true, threads: true },
  webgl: { webgl2: true, vendor: 'v', renderer: 'r' },
  webgpu: { api: true, adapter: true, vendor: 'google', architecture: 'swiftshader' },
};
const VERSIONS = { tfjs: '4.22.0', litert: '2.5.3' };

test('browser discovery', async (t) => {
  await t.test('finds Playwright browsers that are installed and skips those that are not', async () => {
    const dir = await tempDir('browser-discovery');
    const firefox = await fakeExecutable(join(dir, 'ff'), 'firefox');
    const search = await findBrowsers({
      playwright: { chromium: () => join(dir, 'absent', 'chrome'), firefox: () => firefox, webkit: () => { throw new Error('unsupported platform'); } },
    });
    const names = search.found.map((candidate) => candidate.name);
    assert.ok(names.includes('playwright-firefox'));
    assert.ok(!names.includes('playwright-chromium'));
    assert.ok(!names.includes('playwright-webkit'));
    assert.equal(search.found.find((candidate) => candidate.name === 'playwright-firefox')?.engine, 'firefox');
  });

  await t.test('--browser picks by name or path, and says why a name matches nothing', async () => {
    const dir = await tempDir('browser-discovery');
    const custom = await fakeExecutable(join(dir, 'bin'), 'my-chrome');
    // WebKitGTK's parts are looked for on PATH: a PATH without them is a machine without WebKit (this one may have it).
    const savedPath = process.env.PATH;
    process.env.PATH = join(dir, 'empty');
    const search = await findBrowsers({ wanted: [custom, 'webkit', join(dir, 'nothing-here')], playwright: {} }).finally(() => (process.env.PATH = savedPath));
    assert.equal(search.found.length, 1);
    assert.equal(search.found[0]?.executablePath, custom);
    assert.equal(search.found[0]?.engine, 'chromium');
    assert.equal(search.found[0]?.source, 'config');
    assert.equal(search.missing.length, 2);
    assert.match(search.missing[0]!.reason, /apt-get install webkit2gtk-driver xvfb/);
    assert.match(search.missing[1]!.reason, /no executable browser at/);
  });

  await t.test('runtime statuses give the reason a runtime is unavailable', () => {
    const all = runtimeStatuses(FULL, VERSIONS);
    assert.deepEqual(all.map((status) => status.runtime), [...PAGE_RUNTIMES]);
    assert.ok(all.every((status) => status.available));
    assert.equal(all.find((status) => status.runtime === 'litert-wasm')?.format, 'tflite');

    const notIsolated = runtimeStatuses({ ...FULL, crossOriginIsolated: false, wasm: { ...FULL.wasm, threads: false } }, VERSIONS);
    const wasm = notIsolated.find((status) => status.runtime === 'tfjs-wasm');
    assert.equal(wasm?.available, true, 'wasm still runs single-threaded');
    assert.match(wasm?.details?.threads ?? '', /not cross-origin isolated/);

    const noGpu = runtimeStatuses({ ...FULL, webgpu: { api: true, adapter: false, error: 'navigator.gpu.requestAdapter() returned null (no usable GPU adapter)' }, webgl: { webgl2: false, error: 'blocked' } }, VERSIONS);
    for (const runtime of ['tfjs-webgpu', 'litert-webgpu']) {
      const status = noGpu.find((entry) => entry.runtime === runtime);
      assert.equal(status?.available, false);
      assert.match(status?.reason ?? '', /no usable GPU adapter/);
    }
    assert.match(noGpu.find((entry) => entry.runtime === 'tfjs-webgl')?.reason ?? '', /no WebGL2: blocked/);
    assert.equal(noGpu.find((entry) => entry.runtime === 'tfjs-cpu')?.available, true);
  });

  await t.test("discovers this machine's Chromium with version, GPU strings and cross-origin isolation", async () => {
    const out = await pageOut('browser-discovery');
    const target = createBrowserTarget();
    try {
      const devices = await target.discover(targetContext(out, { browser: { browsers: ['chromium', 'no-such-browser'] } }));
      const chromium = devices.find((entry) => entry.usable);
      assert.ok(chromium, `no usable Chromium: ${JSON.stringify(devices)}`);
      const device = chromium.device;
      assert.equal(device.kind, 'browser');
      assert.match(device.id, /^chromium-\d+$/);
      assert.match(device.browser?.version ?? '', /^\d+\.\d+\.\d+\.\d+$/);
      assert.match(device.browser?.userAgent ?? '', /Chrome\//);
      assert.ok(device.gpu?.renderer, 'WebGL renderer string');
      assert.equal(device.extra?.crossOriginIsolated, true, 'the server headers make the page isolated');
      assert.equal(typeof device.extra?.simd, 'boolean');
      assert.deepEqual(chromium.runtimes.map((status) => status.runtime), [...PAGE_RUNTIMES]);
      const wasm = chromium.runtimes.find((status) => status.runtime === 'tfjs-wasm');
      assert.equal(wasm?.available, true);
      assert.equal(wasm?.details?.threads, 'yes');
      for (const status of chromium.runtimes) assert.ok(status.available || status.reason, `${status.runtime} unavailable without a reason`);
      const missing = devices.find((entry) => entry.device.name === 'no-such-browser');
      assert.equal(missing?.usable, false);
      assert.match(missing?.reason ?? '', /unknown browser/);
    } finally {
      await target.dispose?.();
    }
  });
});
