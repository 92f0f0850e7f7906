/**
 * The page protocol driven by a plain WebDriver client (webdriverio over
 * chromedriver), the way the Android target drives Chrome on a phone: ask for
 * capabilities, start a job, poll `window.edgebench.last`, turn the result
 * into a Measurement; malformed jobs come back as failures, not exceptions.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { remote } from 'webdriverio';
import { parseConfig } from '../../harness/core/config.ts';
import { CHROMIUM_FLAGS } from '../../targets/browser/index.ts';
import { expectedKeyOptions, preparePageJob, PROTOCOL_VERSION, startPageServer, toJobResult, type PageCapabilities, type PageJob, type PageResult } from '../../targets/page/index.ts';
import { keyedJob } from '../../targets/result.ts';
import { artifactFor, jobFor, tinyModelFixture } from '../helpers/browser-fixture.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHROMEDRIVER = '/usr/bin/chromedriver';
const CHROMIUM = '/usr/bin/chromium';

interface EdgebenchWindow {
  edgebench: { ready: boolean; capabilities(): Promise<PageCapabilities>; start(job: PageJob): void; last: PageResult | null; state: { running: boolean; id: string | null } };
}

test('page protocol over WebDriver', { skip: !existsSync(CHROMEDRIVER) || !existsSync(CHROMIUM) ? `needs ${CHROMEDRIVER} and ${CHROMIUM}` : false }, async (t) => {
  const out = await tempDir('browser-protocol');
  const fixture = await tinyModelFixture(out);
  const pageServer = await startPageServer(out);
  t.after(() => pageServer.close());
  const browser = await remote({
    logLevel: 'error',
    capabilities: {
      browserName: 'chrome',
      'goog:chromeOptions': { binary: CHROMIUM, args: ['--headless=new', ...CHROMIUM_FLAGS] },
      'wdio:chromedriverOptions': { binary: CHROMEDRIVER },
    },
  });
  t.after(() => browser.deleteSession().catch(() => {}));
  await browser.url(pageServer.pageUrl);
  await browser.waitUntil(() => browser.execute(() => Boolean((window as unknown as EdgebenchWindow).edgebench?.ready)), { timeout: 30_000 });

  const runByPolling = async (job: PageJob): Promise<PageResult> => {
    await browser.execute((pageJob) => (window as unknown as EdgebenchWindow).edgebench.start(pageJob), job);
    let result: PageResult | null = null;
    await browser.waitUntil(
      async () => {
        result = await browser.execute(() => (window as unknown as EdgebenchWindow).edgebench.last);
        return result !== null;
      },
      { timeout: 60_000, interval: 100 },
    );
    return result!;
  };

  await t.test('capabilities come back as plain JSON', async () => {
    const caps = await browser.execute(() => (window as unknown as EdgebenchWindow).edgebench.capabilities());
    assert.equal(caps.protocol, PROTOCOL_VERSION);
    assert.equal(caps.crossOriginIsolated, true);
    assert.equal(typeof caps.wasm.simd, 'boolean');
    assert.match(caps.userAgent, /Chrome/);
  });

  await t.test('a job started and polled gives a result that becomes a Measurement', async () => {
    const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
    const device = { id: 'chromium-webdriver', kind: 'browser' as const, name: 'Chromium over WebDriver' };
    const job = jobFor(fixture, artifact, device, 'tfjs-wasm');
    const pageJob = await preparePageJob(pageServer.server, job, { threads: 2, id: 'webdriver-1' });
    assert.ok(pageJob.artifactUrl.startsWith('/files/'), 'URLs are origin-relative, so they work through adb reverse');
    const result = await runByPolling(pageJob);
    assert.equal(result.id, 'webdriver-1');
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(await browser.execute(() => (window as unknown as EdgebenchWindow).edgebench.state.running), false);
    const caps = await browser.execute(() => (window as unknown as EdgebenchWindow).edgebench.capabilities());
    const keyed = keyedJob({ kind: 'browser', keyOptions: (spec) => expectedKeyOptions(spec, 2, caps) }, job, parseConfig({ out }));
    const converted = toJobResult(keyed, result);
    assert.ok(converted.ok);
    assert.equal(converted.measurement.key.device, 'chromium-webdriver');
    assert.equal(converted.measurement.evaluation?.agreement?.top1, 1);
    assert.equal(converted.measurement.device.extra?.backend, 'wasm');
  });

  await t.test('a job of another protocol version or an unknown runtime fails in setup', async () => {
    const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
    const good = await preparePageJob(pageServer.server, jobFor(fixture, artifact, { id: 'x', kind: 'browser', name: 'x' }, 'tfjs-cpu'), { threads: 1, id: 'bad' });
    const wrongVersion = await runByPolling({ ...good, protocol: 99 as unknown as typeof PROTOCOL_VERSION });
    assert.equal(wrongVersion.ok, false);
    if (!wrongVersion.ok) {
      assert.equal(wrongVersion.phase, 'setup');
      assert.match(wrongVersion.error.message, /protocol 99/);
    }
    const unknown = await runByPolling({ ...good, runtime: 'tfjs-quantum' as PageJob['runtime'] });
    assert.equal(unknown.ok, false);
    if (!unknown.ok) assert.match(unknown.error.message, /unknown runtime "tfjs-quantum"/);
  });
});
