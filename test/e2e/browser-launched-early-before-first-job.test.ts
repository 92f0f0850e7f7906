/**
 * A browser whose facts were kept is not launched by discovery; the run
 * launches it early (`startEarly`, beside the untimed work before the first
 * job) and `prepare` waits for that launch, so it never runs beside a timed
 * job. A launch that fails there is no error of the run's: the browser's
 * first job launches it again and reports the failure as its own. The
 * "browser" is a script that leaves a mark when started and fails.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import { planJobs } from '../../harness/plan.ts';
import { startTargetsEarly } from '../../harness/targets.ts';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import { keptFakeBrowser } from '../helpers/kept-fake-browser.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { plannedModel } from '../helpers/plan-fixture.ts';

test('kept facts: launched by the early start, waited for by prepare; a failed launch is the first job failure', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-early-launch-'));
  const out = await pageOut('edgebench-early-launch-out-');
  const cache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  const target = createBrowserTarget();
  try {
    const { config, launches } = await keptFakeBrowser(root, out);
    const context = { config, log: memoryLogger(), out, signal: new AbortController().signal };

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
