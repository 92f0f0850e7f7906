/**
 * The benchmark page and its host, in a real Chromium: the page protocol
 * driven by a plain WebDriver client, the threads and SIMD each wasm job
 * records, and one page job through the page-job flow on both transports.
 * One describe block per setup (one test process where three files each
 * paid their own), side by side: each waits mostly on its own browser's
 * launch or session. The transports test reads the threads test's default
 * tfjs-wasm job as its CDP side: the browser target's job is that flow on
 * that transport, so one Chromium launch and one page where a launch of its
 * own paid them again. Both WebDriver sessions go to one chromedriver
 * started here, the WebDriver server Appium's Chromium driver proxies to
 * (an Appium server of its own cost this file ~5 CPU s; the Appium route
 * end to end is android-appium's).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { remote } from 'webdriverio';
import { parseConfig } from '../../harness/core/config.ts';
import type { Measurement } from '../../harness/core/record.ts';
import { loadLayersModel } from '../../models/model-io.ts';
import { convertLayersModel } from '../../models/tflite/convert.ts';
import { freePort } from '../../targets/android/appium-server.ts';
import { CHROMIUM_FLAGS, createBrowserTarget } from '../../targets/browser/index.ts';
import { decideWasmSettings, openWebDriverHost, pageKeyOptions, preparePageJob, PROTOCOL_VERSION, readBrowserFacts, runPageJob, startPageServer, toJobResult, type PageHost, type PageJob, type PageResult, type PageServer } from '../../targets/page/index.ts';
import { keyedJob } from '../../targets/result.ts';
import type { DiscoveredDevice, JobSpec, Target } from '../../targets/types.ts';
import { artifactFor, jobFor, targetContext, tinyModelFixture, type ModelFixture } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { runJob } from '../helpers/run-job.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHROMEDRIVER = '/usr/bin/chromedriver';
const CHROMIUM = '/usr/bin/chromium';

/** One chromedriver for both WebDriver sessions of this file, on a port of its own (not 9515, which every chromedriver on the machine shares). */
let chromedriver: Promise<{ port: number; child: ChildProcess }> | undefined;
function sharedChromedriver(): Promise<{ port: number; child: ChildProcess }> {
  chromedriver ??= (async () => {
    const port = await freePort();
    const child = spawn(CHROMEDRIVER, [`--port=${port}`], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/status`)
        .then(async (response) => ((await response.json()) as { value?: { ready?: boolean } }).value?.ready === true)
        .catch(() => false);
      if (ready) return { port, child };
      assert.ok(child.exitCode === null && Date.now() < deadline, `chromedriver on port ${port} did not become ready`);
      await new Promise((wait) => setTimeout(wait, 100));
    }
  })();
  return chromedriver;
}
after(async () => (await chromedriver)?.child.kill());

describe('the benchmark page and its host', { concurrency: 3 }, () => {
  /**
   * The page protocol driven by a plain WebDriver client (webdriverio over
   * chromedriver), the way the Android target drives Chrome on a phone: ask for
   * capabilities, start a job, poll `window.edgebench.last`, turn the result
   * into a Measurement; malformed jobs come back as failures, not exceptions.
   */
  describe('the page protocol over WebDriver', () => {
    test('page protocol over WebDriver', { skip: !existsSync(CHROMEDRIVER) || !existsSync(CHROMIUM) ? `needs ${CHROMEDRIVER} and ${CHROMIUM}` : false }, async (t) => {
      const out = await pageOut('browser-protocol');
      const fixture = await tinyModelFixture(out);
      const pageServer = await startPageServer(out);
      t.after(() => pageServer.close());
      const browser = await remote({
        hostname: '127.0.0.1',
        port: (await sharedChromedriver()).port,
        path: '/',
        logLevel: 'error',
        capabilities: {
          browserName: 'chrome',
          'goog:chromeOptions': { binary: CHROMIUM, args: ['--headless=new', ...CHROMIUM_FLAGS] },
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
  });

  /**
   * Threads and SIMD are decided once, on the host, and the record says what
   * ran: in a real Chromium, the threads and SIMD in each measurement's key are
   * those the page ran (LiteRT.js takes the count as given), and device.extra
   * holds what the runtime reports it used. TF.js's wasm backend may run fewer
   * threads than it is given (its pool is sized from the cores, tfjs#6081: one
   * thread on this 2-core machine however many are asked); the record then
   * shows both, never one claimed as the other.
   *
   * And one page job through the one page-job flow on both transports of the
   * page host: CDP (the browser target's Playwright host on a Chromium
   * launched here: the default tfjs-wasm job above, one launch and one page
   * where each block paid its own) and WebDriver (webdriverio, through a
   * chromedriver, the server Appium's Chromium driver hands a phone's
   * commands to: the phones' route less the proxy). The same
   * browser on both, so the same decided settings, the same key, the same
   * answers and the same shape of Measurement. The two tests run side by
   * side: the WebDriver one waits mostly on its session's browser start.
   */
  describe('threads and SIMD recorded as the page used them; one page-job flow on both transports', { concurrency: 2 }, () => {
    const transportsSkip = !existsSync(CHROMIUM) || !existsSync(CHROMEDRIVER) ? `needs ${CHROMIUM} and ${CHROMEDRIVER}` : false;
    let out: string;
    let fixture: ModelFixture;
    let tflitePath: string;
    let target: Target;
    let chromium: DiscoveredDevice;
    let pageServer: PageServer | undefined;
    let webDriver: PageHost | undefined;
    let byDefault: Promise<Measurement> | undefined;

    before(async () => {
      out = await pageOut('page-threads-simd');
      fixture = await tinyModelFixture(out, 12);
      const model = await loadLayersModel(fixture.modelJsonPath);
      tflitePath = join(out, 'tiny.tflite');
      await writeFile(tflitePath, await convertLayersModel(model, { variant: 'float32', classNames: fixture.metadata.classNames, normalization: fixture.metadata.normalization }));
      model.dispose();
      target = createBrowserTarget();
      const devices = await target.discover(targetContext(out));
      const found = devices.find((entry) => entry.usable);
      assert.ok(found, `no usable browser: ${JSON.stringify(devices.map((entry) => entry.reason))}`);
      chromium = found;
    });

    after(async () => {
      await webDriver?.close().catch(() => {});
      await pageServer?.close();
      await target?.dispose?.();
    });

    /** Keyed as the plan keys it (the target's keyOptions: the one decision), then run. */
    async function run(job: JobSpec, config: Parameters<typeof targetContext>[1] = {}) {
      const result = await runJob(target, job, targetContext(out, config));
      assert.ok(result.ok, result.ok ? '' : `${job.runtime}: ${result.failure.phase}: ${result.failure.error.message}`);
      return result.measurement;
    }

    /** The tiny model on tfjs-wasm with the default threads and SIMD, over CDP (the browser target's host): run once, read by both tests. */
    function defaultWasmJob(): Promise<Measurement> {
      byDefault ??= (async () => run(jobFor(fixture, await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath), chromium.device, 'tfjs-wasm')))();
      return byDefault;
    }

    test('tfjs-wasm and litert-wasm record the threads and SIMD the page used, as decided on the host', { timeout: 180_000 }, async () => {
      const cores = chromium.device.cores!;
      const tfjs = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
      const tflite = await artifactFor(fixture, 'tflite', 'float32', tflitePath);

      const measured = await defaultWasmJob();
      assert.deepEqual(measured.key.options, { batch: 1, threads: cores, simd: true }, 'a desktop browser: every core, SIMD where it has it');
      assert.equal(measured.device.extra?.threadsDefault, 'every core', 'the rule in the record');
      assert.equal(measured.device.extra?.simd, true);
      const tfjsUsed = Number(measured.device.extra?.threads);
      assert.ok(tfjsUsed >= 1 && tfjsUsed <= cores, `TF.js reports the threads it used (${tfjsUsed}), at most those given`);

      const asked = await run(jobFor(fixture, tfjs, chromium.device, 'tfjs-wasm', { runtimeOptions: { threads: 1, simd: false } }));
      assert.deepEqual(asked.key.options, { batch: 1, threads: 1, simd: false });

      const litert = await run(jobFor(fixture, tflite, chromium.device, 'litert-wasm', { reference: false }), { run: { threads: 2 } });
      assert.equal(litert.key.options.threads, 2);

      for (const measurement of [asked, litert]) {
        const what = `${measurement.key.runtime} ${JSON.stringify(measurement.key.options)}`;
        assert.equal(measurement.device.extra?.threads, measurement.key.options.threads, `${what}: threads used = threads in the key`);
        assert.equal(measurement.device.extra?.simd, measurement.key.options.simd, `${what}: SIMD used = SIMD in the key`);
      }
    });

    /** The WebDriver transport to the file's chromedriver, with the browser the Android tests' stand-in phone runs. */
    async function webDriverHost(server: PageServer): Promise<PageHost> {
      const userDataDir = await tempDir('page-host-profile');
      return openWebDriverHost({
        endpoint: { protocol: 'http', hostname: '127.0.0.1', port: (await sharedChromedriver()).port, path: '/' },
        capabilities: {
          browserName: 'chrome',
          'goog:chromeOptions': { binary: CHROMIUM, args: ['--headless=new', ...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`] },
        },
        name: 'chromium over WebDriver',
        pageUrl: server.pageUrl,
      });
    }

    /** The shape of a value: its keys, recursively, with leaves as their type. */
    function shape(value: unknown): unknown {
      if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
      if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shape((value as Record<string, unknown>)[key])]));
      return typeof value;
    }

    test('one tfjs-wasm job through the page-job flow on the CDP and the WebDriver transport: same key, same answers, same Measurement shape', { skip: transportsSkip, timeout: 240_000 }, async () => {
      const server = (pageServer = await startPageServer(out));
      const host = (webDriver = await webDriverHost(server));
      const facts = await readBrowserFacts(host, 30_000);
      const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
      // Keyed as the browser target's keyOptions keys it at plan time, from this browser's own capabilities as read over WebDriver.
      const keying = { kind: 'browser' as const, keyOptions: (spec: Parameters<typeof pageKeyOptions>[0]) => pageKeyOptions(spec, decideWasmSettings(spec, { configThreads: undefined, rule: 'every-core' }, facts.caps)) };
      const job = keyedJob(keying, jobFor(fixture, artifact, chromium.device, 'tfjs-wasm'), parseConfig({ out }));
      const result = await runPageJob(job, { target: 'browser', host, facts, server: async () => server, threadRule: 'every-core', timeoutMs: 60_000, where: host.name });
      assert.ok(result.ok, result.ok ? '' : `${host.name}: ${result.failure.phase}: ${result.failure.error.message}`);
      const overWebDriver = result.measurement;
      const overCdp = await defaultWasmJob();

      // The same browser, so the same decided threads and SIMD, and the same key.
      assert.deepEqual(overWebDriver.key, overCdp.key);
      assert.equal(typeof overCdp.key.options.threads, 'number');
      assert.equal(overCdp.key.options.simd, true);
      // The same images and answers as Node's reference.
      assert.equal(overCdp.evaluation?.images, 12);
      assert.equal(overWebDriver.evaluation?.accuracy, overCdp.evaluation?.accuracy);
      assert.equal(overCdp.evaluation?.agreement?.top1, 1);
      assert.equal(overWebDriver.evaluation?.agreement?.top1, 1);
      // Every field the record gets, of the same type, on both (timings differ; their shape does not).
      assert.deepEqual(shape(overWebDriver), shape(overCdp));
      // What ran is recorded the same way on both: the runtime's own report and the device's thread rule.
      for (const measurement of [overCdp, overWebDriver]) {
        assert.equal(measurement.device.extra?.backend, 'wasm');
        assert.equal(measurement.device.extra?.simd, measurement.key.options.simd);
        assert.equal(measurement.device.extra?.threadsDefault, 'every core');
      }
      assert.equal(overWebDriver.device.extra?.threads, overCdp.device.extra?.threads);
    });
  });
});
