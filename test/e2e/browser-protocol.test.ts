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
import { decideWasmSettings, pageKeyOptions, preparePageJob, PROTOCOL_VERSION, startPageServer, toJobResult, type PageJob, type PageResult } from '../../targets/page/index.ts';
import { keyedJob } from '../../targets/result.ts';
import { artifactFor, jobFor, tinyModelFixture } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';

const CHROMEDRIVER = '/usr/bin/chromedriver';
const CHROMIUM = '/usr/bin/chromium';

test('page protocol over WebDriver', { skip: !existsSync(CHROMEDRIVER) || !existsSync(CHROMIUM) ? `needs ${CHROMEDRIVER} and ${CHROMIUM}` : false }, async (t) => {
  const out = await pageOut('browser-protocol');
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
  await browser.waitUntil(() => browser.execute(() => Boolean(window.edgebench?.ready)), { timeout: 30_000 });

  const runByPolling = async (job: PageJob): Promise<PageResult> => {
    await browser.execute((pageJob) => window.edgebench!.start(pageJob), job);
    let result: PageResult | null = null;
    await browser.waitUntil(
      async () => {
        result = await browser.execute(() => window.edgebench!.last);
        return result !== null;
      },
      { timeout: 60_000, interval: 100 },
    );
    return result!;
  };

  await t.test('capabilities come back as plain JSON', async () => {
    const caps = await browser.execute(() => window.edgebench!.capabilities());
    assert.equal(caps.protocol, PROTOCOL_VERSION);
    assert.equal(caps.crossOriginIsolated, true);
    assert.equal(typeof caps.wasm.simd, 'boolean');
    assert.match(caps.userAgent, /Chrome/);
  });

  await t.test('a job started and polled gives a result that becomes a Measurement', async () => {
    const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
    const device = { id: 'chromium-webdriver', kind: 'browser' as const, name: 'Chromium over WebDriver' };
    const job = jobFor(fixture, artifact, device, 'tfjs-wasm');
    const caps = await browser.execute(() => window.edgebench!.capabilities());
    const wasm = decideWasmSettings(job, { configThreads: 2, rule: 'every-core' }, caps);
    const pageJob = await preparePageJob(pageServer.server, job, { ...(wasm ? { wasm } : {}), id: 'webdriver-1' });
    assert.deepEqual(pageJob.wasm, { threads: 2, simd: true }, 'the job carries the threads and SIMD decided for it');
    assert.ok(pageJob.artifactUrl.startsWith('/files/'), 'URLs are origin-relative, so they work through adb reverse');
    const result = await runByPolling(pageJob);
    assert.equal(result.id, 'webdriver-1');
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    assert.equal(await browser.execute(() => window.edgebench!.state.running), false);
    const keyed = keyedJob({ kind: 'browser', keyOptions: (spec) => pageKeyOptions(spec, wasm) }, job, parseConfig({ out }));
    const converted = toJobResult(keyed, result);
    assert.deepEqual(converted.ok && converted.measurement.key.options, { batch: 1, threads: 2, simd: true });
    assert.ok(converted.ok);
    assert.equal(converted.measurement.key.device, 'chromium-webdriver');
    assert.equal(converted.measurement.evaluation?.agreement?.top1, 1);
    assert.equal(converted.measurement.device.extra?.backend, 'wasm');
  });

  await t.test('a job of another protocol version, an unknown runtime or no wasm settings fails in setup', async () => {
    const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
    const good = await preparePageJob(pageServer.server, jobFor(fixture, artifact, { id: 'x', kind: 'browser', name: 'x' }, 'tfjs-cpu'), { id: 'bad' });
    const wrongVersion = await runByPolling({ ...good, protocol: 99 as unknown as typeof PROTOCOL_VERSION });
    assert.equal(wrongVersion.ok, false);
    if (!wrongVersion.ok) {
      assert.equal(wrongVersion.phase, 'setup');
      assert.match(wrongVersion.error.message, /protocol 99/);
    }
    const unknown = await runByPolling({ ...good, runtime: 'tfjs-quantum' as PageJob['runtime'] });
    assert.equal(unknown.ok, false);
    if (!unknown.ok) assert.match(unknown.error.message, /unknown runtime "tfjs-quantum"/);
    // The page has no thread or SIMD default of its own: a wasm job without the host's decision is refused.
    const undecided = await runByPolling({ ...good, runtime: 'tfjs-wasm' });
    assert.equal(undecided.ok, false);
    if (!undecided.ok) {
      assert.equal(undecided.phase, 'setup');
      assert.match(undecided.error.message, /tfjs-wasm needs the job's wasm settings/);
    }
  });
});
