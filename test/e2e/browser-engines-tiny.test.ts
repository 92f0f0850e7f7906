/**
 * Firefox and WebKit as browser targets: a default run of the tiny Mobile
 * model on each engine, one describe block per engine (one test process
 * where two files each paid their own). Each is skipped where its engine is
 * not installed (CI installs both).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { findBrowsers, findWebKitGtk } from '../../targets/browser/browsers.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

const firefoxInstalled = (await findBrowsers({ wanted: ['firefox'] })).found.some((candidate) => candidate.engine === 'firefox' && candidate.source !== 'playwright');
const webkitInstalled = findWebKitGtk() !== undefined;

/**
 * Firefox (Debian's firefox-esr, over WebDriver BiDi) as a browser target: a
 * default run of the tiny Mobile model measures its fastest Mobile runtime
 * (tfjs-wasm) there, with equal accuracy to Node's, a device block read from
 * the browser, and a plan line for each runtime the default plan leaves out.
 * Skipped where Firefox is not installed (CI installs it).
 */
describe('Firefox', () => {
  let out: string;
  let tiny: TinyArtifact;

  before(async () => {
    out = await tempDir('browser-firefox');
    tiny = await makeTinyArtifact(out, { images: 6 });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('Firefox measures tfjs-wasm in a default run, answering as Node does', { skip: !firefoxInstalled && 'firefox-esr is not installed (apt-get install firefox-esr)', timeout: 120_000 }, async () => {
    const config = parseConfig({
      out,
      models: ['tiny'],
      run: { targets: ['browser'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 2000, rounds: 1 },
      browser: { browsers: ['firefox'] },
    });
    const log = memoryLogger();
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
    assert.deepEqual(record.failures.map((failure) => failure.error.message), []);
    assert.deepEqual(record.measurements.map((measurement) => measurement.key.runtime), ['tfjs-wasm']);
    const [measurement] = record.measurements;
    assert.match(measurement!.key.device, /^firefox-\d+$/);
    assert.equal(measurement!.device.browser?.name, 'firefox');
    assert.match(measurement!.device.browser?.userAgent ?? '', /Gecko\/\d+ Firefox\//);
    assert.equal(measurement!.evaluation?.accuracy, tiny.accuracy);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1, 'Firefox answers as the host reference does');
    assert.ok(log.lines.some((line) => /^tfjs-cpu on Firefox [\d.]+: .*--backends tfjs-cpu to measure it anyway$/.test(line)), log.lines.join('\n'));
  });
});

/**
 * WebKit (Debian's WebKitGTK MiniBrowser, driven by WebKitWebDriver over
 * classic WebDriver on an Xvfb display the target starts) as a browser
 * target: a default run of the tiny Mobile model measures tfjs-wasm there,
 * with Node's accuracy, a cross-origin-isolated page with threads (one per
 * real core, not the 4 WebKit reports), and a device
 * block read from the browser. Skipped where WebKitGTK's parts are missing.
 */
describe('WebKit', () => {
  let out: string;
  let tiny: TinyArtifact;

  before(async () => {
    out = await tempDir('browser-webkit');
    tiny = await makeTinyArtifact(out, { images: 6 });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('WebKit measures tfjs-wasm in a default run, answering as Node does', { skip: !webkitInstalled && 'WebKitGTK is not installed (apt-get install webkit2gtk-driver xvfb)', timeout: 120_000 }, async () => {
    const config = parseConfig({
      out,
      models: ['tiny'],
      run: { targets: ['browser'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 2000, rounds: 1 },
      browser: { browsers: ['webkit'] },
    });
    const log = memoryLogger();
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
    assert.deepEqual(record.failures.map((failure) => failure.error.message), []);
    assert.deepEqual(record.measurements.map((measurement) => measurement.key.runtime), ['tfjs-wasm']);
    const [measurement] = record.measurements;
    assert.match(measurement!.key.device, /^webkitgtk-\d+\.\d+$/);
    assert.match(measurement!.device.browser?.userAgent ?? '', /AppleWebKit\/[\d.]+ .*Safari\//);
    assert.equal(measurement!.device.extra?.crossOriginIsolated, true, 'the page is cross-origin isolated, as in Chromium');
    assert.equal(measurement!.key.options.threads, availableParallelism(), 'threads on every real core: WebKit reports 4 cores whatever the machine has');
    assert.equal(measurement!.evaluation?.accuracy, tiny.accuracy);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1, 'WebKit answers as the host reference does');
  });
});
