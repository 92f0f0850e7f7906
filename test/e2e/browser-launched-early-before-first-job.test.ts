/**
 * A browser whose facts were kept is not launched by discovery; the run
 * launches it early (`startEarly`, beside the untimed work before the first
 * job) and `prepare` waits for that launch, so it never runs beside a timed
 * job. A launch that fails there is no error of the run's: the browser's
 * first job launches it again and reports the failure as its own. The
 * "browser" is a script that leaves a mark when started and fails.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { planJobs } from '../../harness/plan.ts';
import { startTargetsEarly } from '../../harness/targets.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { cachedBrowserFacts } from '../../targets/browser/facts-cache.ts';
import { PROTOCOL_VERSION } from '../../targets/page/app/protocol.ts';
import { PAGE_SCRIPT, pageBundleDir } from '../../targets/page/bundle.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { plannedModel } from '../helpers/plan-fixture.ts';

test('kept facts: launched by the early start, waited for by prepare; a failed launch is the first job failure', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-early-launch-'));
  const out = await pageOut('edgebench-early-launch-out-');
  const cache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  const target = createBrowserTarget();
  try {
    const marker = join(root, 'launched');
    const executable = join(root, 'chrome-fake');
    await writeFile(executable, `#!/bin/sh\necho launched >> '${marker}'\nexit 1\n`, { mode: 0o755 });
    const launches = async () => (await readFile(marker, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    const config = parseConfig({ out, browser: { browsers: [executable] }, timeouts: { browser: { launchMs: 5000 } } });
    const context = { config, log: memoryLogger(), out, signal: new AbortController().signal };
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

    const devices = await target.discover(context);
    assert.equal(devices[0]?.usable, true, devices[0]?.reason);
    assert.equal(await launches(), 0, 'discovery with kept facts launches nothing');

    const active = [{ target, devices }];
    const started = startTargetsEarly(active, context);
    await target.prepare?.(context, devices);
    assert.equal(await launches(), 1, 'launched once, before prepare returned');
    await started;

    const plan = await planJobs([plannedModel('m', 8, 'tflite')], active, config, out);
    const planned = plan.jobs.find(({ job }) => job.runtime === 'litert-wasm');
    assert.ok(planned, 'a litert-wasm job on the fake browser');
    const result = await target.run(planned.job, context);
    assert.equal(result.ok, false);
    assert.equal(await launches(), 2, 'the first job launched it again');
    if (!result.ok) assert.equal(result.failure.phase, 'setup', result.failure.error.message);
  } finally {
    await target.dispose?.();
    if (cache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = cache;
    await rm(root, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
});
