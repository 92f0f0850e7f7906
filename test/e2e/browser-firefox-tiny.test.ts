/**
 * Firefox (Debian's firefox-esr, over WebDriver BiDi) as a browser target: a
 * default run of the tiny Mobile model measures its fastest Mobile runtime
 * (tfjs-wasm) there, with equal accuracy to Node's, a device block read from
 * the browser, and a plan line for each runtime the default plan leaves out.
 * Skipped where Firefox is not installed (CI installs it).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { findBrowsers } from '../../targets/browser/browsers.ts';
import { makeTinyArtifact, type TinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;
let tiny: TinyArtifact;
const installed = (await findBrowsers({ wanted: ['firefox'] })).found.some((candidate) => candidate.engine === 'firefox' && candidate.source !== 'playwright');

before(async () => {
  out = await tempDir('browser-firefox');
  tiny = await makeTinyArtifact(out, { images: 6 });
});
after(() => rmSync(out, { recursive: true, force: true }));

test('Firefox measures tfjs-wasm in a default run, answering as Node does', { skip: !installed && 'firefox-esr is not installed (apt-get install firefox-esr)', timeout: 120_000 }, async () => {
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
