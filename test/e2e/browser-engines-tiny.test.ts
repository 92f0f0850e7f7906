/**
 * Firefox and WebKit as browser targets: a default run of the tiny Mobile
 * model on both engines, one describe block per engine (one test process
 * where two files each paid their own). Both blocks read one real run over
 * both engines, as `bench run` measures every browser it finds (each launched
 * at the run's start, side by side): one run's page server, reference and
 * plan where two runs paid them. Each is skipped where its engine is not
 * installed (CI installs both).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { after, describe, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { findBrowsers, findWebKitGtk } from '../../targets/browser/browsers.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { pageOut } from '../helpers/page-bundle.ts';

const firefoxInstalled = (await findBrowsers({ wanted: ['firefox'] })).found.some((candidate) => candidate.engine === 'firefox' && candidate.source !== 'playwright');
const webkitInstalled = findWebKitGtk() !== undefined;

interface EnginesRun {
  record: RunRecord;
  lines: string[];
  tiny: TinyArtifact;
}

let measured: Promise<EnginesRun> | undefined;
let out: string | undefined;

/** A default run of the tiny Mobile model on every installed engine of the two, made when a test first asks for it. */
function enginesRun(): Promise<EnginesRun> {
  measured ??= (async () => {
    out = await pageOut('browser-engines');
    const tiny = await makeTinyArtifact(out, { images: 6 });
    const config = parseConfig({
      out,
      models: ['tiny'],
      run: { targets: ['browser'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 2000, rounds: 1 },
      browser: { browsers: [...(firefoxInstalled ? ['firefox'] : []), ...(webkitInstalled ? ['webkit'] : [])] },
    });
    const log = memoryLogger();
    const { record } = await runBenchmarks({ config, log, out, referenceInProcess: true });
    return { record, lines: log.lines, tiny };
  })();
  return measured;
}

after(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

/** The shared run's one measurement on the engine whose device ids start with `prefix`: no failure there, tfjs-wasm its only runtime. */
async function engineMeasurement(prefix: string) {
  const { record, lines, tiny } = await enginesRun();
  const mine = (key: { device: string }) => key.device.startsWith(prefix);
  assert.deepEqual(record.failures.filter((failure) => mine(failure.key)).map((failure) => failure.error.message), []);
  const measurements = record.measurements.filter((measurement) => mine(measurement.key));
  assert.deepEqual(measurements.map((measurement) => measurement.key.runtime), ['tfjs-wasm'], lines.join('\n'));
  return { measurement: measurements[0], lines, tiny };
}

/**
 * Firefox (Debian's firefox-esr, over WebDriver BiDi) as a browser target: a
 * default run of the tiny Mobile model measures its fastest Mobile runtime
 * (tfjs-wasm) there, with equal accuracy to Node's, a device block read from
 * the browser, and a plan line for each runtime the default plan leaves out.
 * Skipped where Firefox is not installed (CI installs it).
 */
describe('Firefox', () => {
  test('Firefox measures tfjs-wasm in a default run, answering as Node does', { skip: !firefoxInstalled && 'firefox-esr is not installed (apt-get install firefox-esr)', timeout: 180_000 }, async () => {
    const { measurement, lines, tiny } = await engineMeasurement('firefox-');
    assert.match(measurement!.key.device, /^firefox-\d+$/);
    assert.equal(measurement!.device.browser?.name, 'firefox');
    assert.match(measurement!.device.browser?.userAgent ?? '', /Gecko\/\d+ Firefox\//);
    assert.equal(measurement!.evaluation?.accuracy, tiny.accuracy);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1, 'Firefox answers as the host reference does');
    assert.ok(lines.some((line) => /^tfjs-cpu on Firefox [\d.]+: .*--backends tfjs-cpu to measure it anyway$/.test(line)), lines.join('\n'));
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
  test('WebKit measures tfjs-wasm in a default run, answering as Node does', { skip: !webkitInstalled && 'WebKitGTK is not installed (apt-get install webkit2gtk-driver xvfb)', timeout: 180_000 }, async () => {
    const { measurement, tiny } = await engineMeasurement('webkitgtk-');
    assert.match(measurement!.key.device, /^webkitgtk-\d+\.\d+$/);
    assert.match(measurement!.device.browser?.userAgent ?? '', /AppleWebKit\/[\d.]+ .*Safari\//);
    assert.equal(measurement!.device.extra?.crossOriginIsolated, true, 'the page is cross-origin isolated, as in Chromium');
    assert.equal(measurement!.key.options.threads, availableParallelism(), 'threads on every real core: WebKit reports 4 cores whatever the machine has');
    assert.equal(measurement!.evaluation?.accuracy, tiny.accuracy);
    assert.equal(measurement!.evaluation?.agreement?.top1, 1, 'WebKit answers as the host reference does');
  });
});
