/**
 * A job that goes wrong in the browser (the renderer crashes, the page hangs
 * past the timeout, the artifact cannot load) fails alone: the failure names
 * its phase and the next job on the same target still measures.
 */
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createBrowserTarget } from '../../targets/browser/index.ts';
import type { PageJob } from '../../targets/page/index.ts';
import type { DiscoveredDevice, JobResult, JobSpec } from '../../targets/types.ts';
import { artifactFor, jobFor, targetContext, tinyModelFixture } from '../helpers/browser-fixture.ts';
import { runJob } from '../helpers/run-job.ts';
import { pageOut } from '../helpers/page-bundle.ts';

type Sabotage = (page: Page, job: PageJob) => Promise<void>;

test('browser jobs fail one at a time and the target recovers', async (t) => {
  const out = await pageOut('browser-reliability');
  const fixture = await tinyModelFixture(out);
  const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
  // The next job's sabotage, consumed by the hook.
  let sabotage: Sabotage | undefined;
  const target = createBrowserTarget({
    beforeJob: async (page, job) => {
      const act = sabotage;
      sabotage = undefined;
      await act?.(page, job);
    },
  });
  // The hang's job alone has the short timeout it waits out; the others a long one, so that at load a slow
  // page (a relaunch after the crash, then page.js) is not taken for a hang.
  const context = targetContext(out, { run: { jobTimeoutMs: 60_000 } });
  const hangContext = { ...context, config: { ...context.config, run: { ...context.config.run, jobTimeoutMs: 8000 } } };
  t.after(() => target.dispose?.());
  const devices = await target.discover(context);
  const chromium = devices.find((entry: DiscoveredDevice) => entry.usable);
  assert.ok(chromium, `no usable browser: ${JSON.stringify(devices.map((entry) => entry.reason))}`);
  const job = (overrides: Partial<JobSpec> = {}): JobSpec => ({ ...jobFor(fixture, artifact, chromium.device, 'tfjs-cpu'), ...overrides });
  const expectOk = (result: JobResult, what: string) => {
    assert.ok(result.ok, `${what}: ${result.ok ? '' : `${result.failure.phase}: ${result.failure.error.message}`}`);
    assert.ok(result.measurement.samples.length >= 5);
  };

  await t.test('a renderer crash in the middle of a job is one failure; the next job runs', async () => {
    sabotage = async (page) => {
      const cdp = await page.context().newCDPSession(page);
      // Crash once the job is under way, not before it starts.
      setTimeout(() => void cdp.send('Page.crash').catch(() => {}), 150);
    };
    const crashed = await runJob(target, job({ kernel: { ...jobFor(fixture, artifact, chromium.device, 'tfjs-cpu').kernel, minTimeMs: 5000, maxTimeMs: 6000 } }), context);
    assert.equal(crashed.ok, false);
    if (!crashed.ok) {
      assert.match(crashed.failure.error.message, /crash|closed|destroyed|Target/i);
      assert.equal(crashed.failure.key.runtime, 'tfjs-cpu');
      assert.equal(crashed.failure.key.target, 'browser');
      assert.equal(crashed.failure.artifact, artifact.id);
    }
    assert.ok(context.log.lines.some((line) => /restarting the browser after/.test(line)), 'the crashed browser is restarted');
    expectOk(await runJob(target, job(), context), 'job after the crash');
  });

  await t.test('a page that hangs past the job timeout fails with the phase it was in; the browser restarts', async (t) => {
    // A server that takes connections and never answers.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const socket of sockets) socket.destroy();
      silent.close();
    });
    const neverAnswered = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/never`;
    sabotage = async (page) => {
      await page.evaluate((url) => {
        // Freeze the page's only thread when the runtime fetches the model (the load phase): a synchronous
        // request that is never answered stops it as a tight loop would, without spinning a core for the 8 s.
        const originalFetch = globalThis.fetch;
        globalThis.fetch = (input, init) => {
          if (String(input instanceof Request ? input.url : input).includes('model.json')) {
            const request = new XMLHttpRequest();
            request.open('GET', url, false);
            request.send();
          }
          return originalFetch(input, init);
        };
      }, neverAnswered);
    };
    const started = Date.now();
    const hung = await runJob(target, job(), hangContext);
    assert.equal(hung.ok, false);
    if (!hung.ok) {
      assert.match(hung.failure.error.message, /did not finish within 8 s/);
      assert.equal(hung.failure.phase, 'load', 'the phase should be the one the page had reached');
    }
    assert.ok(Date.now() - started < 30_000, 'the timeout must end the job');
    assert.ok(context.log.lines.some((line) => /restarting the browser after: .*did not finish/.test(line)), 'the hung browser is restarted');
    expectOk(await runJob(target, job(), context), 'job after the hang');
  });

  await t.test('an artifact that cannot load fails in the load phase; the next job runs', async () => {
    const missing = { ...artifact, path: `${fixture.out}/models/tiny/mobile/missing.json` };
    const failed = await runJob(target, job({ artifact: missing }), context);
    assert.equal(failed.ok, false);
    if (!failed.ok) {
      assert.equal(failed.failure.phase, 'load');
      assert.match(failed.failure.error.message, /404|missing\.json/);
    }
    expectOk(await runJob(target, job(), context), 'job after the failed load');
  });

  await t.test('a runtime the browser lacks fails in setup without touching the browser', async () => {
    const failed = await runJob(target, job({ runtime: 'tfjs-nonexistent' }), context);
    assert.equal(failed.ok, false);
    if (!failed.ok) {
      assert.equal(failed.failure.phase, 'setup');
      assert.match(failed.failure.error.message, /no runtime "tfjs-nonexistent"/);
    }
  });
});
