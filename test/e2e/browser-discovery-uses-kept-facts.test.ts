/**
 * The browser target's discovery takes a browser's facts from the private
 * cache without launching it while its executable is unchanged, and
 * launches it to read them anew once the executable changes
 * (targets/browser/facts-cache.ts). The "browser" is a script that leaves a
 * mark when started and fails: a launch is seen, and none is needed to pass.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { cachedBrowserFacts } from '../../targets/browser/facts-cache.ts';
import { PROTOCOL_VERSION } from '../../targets/page/app/protocol.ts';
import { PAGE_SCRIPT, pageBundleDir } from '../../targets/page/bundle.ts';
import { pageOut } from '../helpers/page-bundle.ts';

test('discovery: kept facts are used without a launch; a changed executable is launched and read anew', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-kept-facts-'));
  const out = await pageOut('edgebench-kept-facts-out-');
  const cache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  try {
    const marker = join(root, 'launched');
    const executable = join(root, 'chrome-fake');
    await writeFile(executable, `#!/bin/sh\necho launched >> '${marker}'\nexit 1\n`, { mode: 0o755 });
    const config = parseConfig({ out, browser: { browsers: [executable] }, timeouts: { browser: { launchMs: 5000 } } });
    const context = () => ({ config, log: memoryLogger(), out, signal: new AbortController().signal });
    const candidate = { name: 'chrome-fake', engine: 'chromium' as const, executablePath: executable, source: 'config' as const };
    const caps = {
      protocol: PROTOCOL_VERSION,
      userAgent: 'planted',
      hardwareConcurrency: 1,
      crossOriginIsolated: true,
      sharedArrayBuffer: true,
      wasm: { supported: true, simd: true, relaxedSimd: false, threads: true },
      webgl: { webgl2: false },
      webgpu: { api: false, adapter: false },
    };
    await cachedBrowserFacts({ candidate, headed: false, args: config.browser.args, pageScript: join(pageBundleDir(out), PAGE_SCRIPT) }, async () => ({ browser: { name: 'chrome-fake', version: '999.0.1' }, caps }));

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
