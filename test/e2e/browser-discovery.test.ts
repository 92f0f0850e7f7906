/**
 * Finding browsers (system, Playwright's registry, paths the user names) and
 * saying, per runtime, why it is unavailable; then the real thing: discovery
 * of this machine's Chromium with its version and capabilities. Last, the
 * facts kept between runs (what was browser-discovery-uses-kept-facts: one
 * test process where two paid their own).
 */
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import { findBrowsers } from '../../targets/browser/browsers.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { PAGE_RUNTIMES, PROTOCOL_VERSION, type PageCapabilities } from '../../targets/page/index.ts';
import { runtimeStatuses } from '../../targets/page/runtimes.ts';
import { targetContext } from '../helpers/browser-fixture.ts';
import { keptFakeBrowser } from '../helpers/kept-fake-browser.ts';
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

/**
 * The browser target's discovery takes a browser's facts from the private
 * cache without launching it while its executable is unchanged, and
 * launches it to read them anew once the executable changes
 * (targets/browser/facts-cache.ts). The "browser" is a script that leaves a
 * mark when started and fails: a launch is seen, and none is needed to pass.
 */
test('discovery: kept facts are used without a launch; a changed executable is launched and read anew', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-kept-facts-'));
  const out = await pageOut('edgebench-kept-facts-out-');
  const cache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  try {
    const { marker, executable, config } = await keptFakeBrowser(root, out);
    const context = () => ({ config, log: memoryLogger(), out, signal: new AbortController().signal });

    const kept = createBrowserTarget();
    try {
      const [device] = await kept.discover(context());
      assert.equal(device?.usable, true, device?.reason);
      assert.equal(device?.device.id, 'chrome-fake-999', 'the kept version names the device');
      assert.ok(device?.runtimes.some((runtime) => runtime.runtime === 'litert-wasm' && runtime.available), 'runtimes from the kept capabilities');
      assert.equal(await stat(marker).catch(() => null), null, 'the browser was not started');
    } finally {
      await kept.dispose?.();
    }

    await appendFile(executable, '# upgraded\n');
    const fresh = createBrowserTarget();
    try {
      const [device] = await fresh.discover(context());
      assert.equal(device?.usable, false, 'read anew: the fake browser fails to start');
      assert.ok(await stat(marker).catch(() => null), 'the browser was started to read its facts');
    } finally {
      await fresh.dispose?.();
    }
  } finally {
    if (cache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = cache;
    await rm(root, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
});
