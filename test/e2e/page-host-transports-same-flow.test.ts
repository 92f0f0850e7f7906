/**
 * One page job through the one page-job flow on both transports of the page
 * host: CDP (Playwright, a Chromium launched here) and WebDriver
 * (webdriverio, through a real Appium server and its Chromium driver, the
 * phones' route). The same browser on both, so the same decided settings,
 * the same key, the same answers and the same shape of Measurement.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { memoryLogger } from '../../harness/core/log.ts';
import type { Measurement } from '../../harness/core/record.ts';
import { freePort, startAppiumServer, type AppiumServer } from '../../targets/android/appium-server.ts';
import { endpointFromUrl } from '../../targets/android/capabilities.ts';
import { CHROMIUM_FLAGS, launchedBrowser } from '../../targets/browser/index.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { decideWasmSettings, openWebDriverHost, pageKeyOptions, PlaywrightHost, readBrowserFacts, runPageJob, startPageServer, type PageHost, type PageServer } from '../../targets/page/index.ts';
import { keyedJob } from '../../targets/result.ts';
import { artifactFor, jobFor, tinyModelFixture, type ModelFixture } from '../helpers/browser-fixture.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMEDRIVER = '/usr/bin/chromedriver';
const skip = !existsSync(CHROMIUM) || !existsSync(CHROMEDRIVER) ? `needs ${CHROMIUM} and ${CHROMEDRIVER}` : false;

let out: string;
let fixture: ModelFixture;
let pageServer: PageServer;
let appium: AppiumServer;
const hosts: PageHost[] = [];

before(async () => {
  if (skip) return;
  out = await pageOut('page-host-transports');
  fixture = await tinyModelFixture(out, 12);
  pageServer = await startPageServer(out);
  appium = await startAppiumServer({ log: memoryLogger() });
});

after(async () => {
  for (const host of hosts) await host.close().catch(() => {});
  await appium?.stop().catch(() => {});
  await pageServer?.close();
});

/** The Playwright transport on a Chromium launched here. */
function cdpHost(): PageHost {
  const candidate = { name: 'chromium', engine: 'chromium' as const, executablePath: CHROMIUM, source: 'system' as const };
  return new PlaywrightHost({ source: launchedBrowser(candidate), origin: pageServer.server.origin });
}

/** The WebDriver transport through Appium, with the capabilities the Android tests use for their stand-in phone. */
async function webDriverHost(): Promise<PageHost> {
  const userDataDir = await tempDir('page-host-profile');
  return openWebDriverHost({
    endpoint: endpointFromUrl(appium.url),
    capabilities: {
      platformName: 'linux',
      browserName: 'chrome',
      'appium:automationName': 'Chromium',
      'appium:executable': CHROMEDRIVER,
      'appium:autodownloadEnabled': false,
      // Not chromedriver's default 9515, which every stand-in on the machine shares (two test files at once took each other's).
      'appium:chromedriverPort': await freePort(),
      'goog:chromeOptions': { binary: CHROMIUM, args: ['--headless=new', ...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`] },
    },
    name: 'chromium over Appium',
    pageUrl: pageServer.pageUrl,
  });
}

async function measureOn(host: PageHost): Promise<Measurement> {
  hosts.push(host);
  const facts = await readBrowserFacts(host, 30_000);
  const artifact = await artifactFor(fixture, 'tfjs', 'float32', fixture.modelJsonPath);
  const device = { id: 'chromium-here', kind: 'browser' as const, name: 'Chromium', cores: facts.caps.hardwareConcurrency };
  // Keyed as the browser target's keyOptions keys it at plan time: the decision from this browser's capabilities.
  const target = { kind: 'browser' as const, keyOptions: (spec: Parameters<typeof pageKeyOptions>[0]) => pageKeyOptions(spec, decideWasmSettings(spec, { configThreads: undefined, rule: 'every-core' }, facts.caps)) };
  const job = keyedJob(target, jobFor(fixture, artifact, device, 'tfjs-wasm'), parseConfig({ out }));
  const result = await runPageJob(job, {
    target: 'browser',
    host,
    facts,
    server: async () => pageServer,
    threadRule: 'every-core',
    timeoutMs: 60_000,
    where: host.name,
  });
  assert.ok(result.ok, result.ok ? '' : `${host.name}: ${result.failure.phase}: ${result.failure.error.message}`);
  return result.measurement;
}

/** The shape of a value: its keys, recursively, with leaves as their type. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((key) => [key, shape((value as Record<string, unknown>)[key])]));
  return typeof value;
}

test('one tfjs-wasm job through the page-job flow on the CDP and the WebDriver transport: same key, same answers, same Measurement shape', { skip, timeout: 240_000 }, async () => {
  const overCdp = await measureOn(cdpHost());
  const overWebDriver = await measureOn(await webDriverHost());

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
