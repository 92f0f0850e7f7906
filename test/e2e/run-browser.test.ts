/**
 * The orchestrator with the real browser target: a job in headless Chromium
 * lands in the record beside the download size of the runtime it used.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { runtimeSizes } from '../../targets/page/index.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { pageOut } from '../helpers/page-bundle.ts';

let out: string;

before(async () => {
  out = await pageOut('run-browser');
  await makeTinyArtifact(out);
});
after(() => rmSync(out, { recursive: true, force: true }));

test('a browser run records its measurement and the runtime download size', async () => {
  const config = parseConfig({
    out,
    models: ['tiny'],
    run: { targets: ['browser'], backends: ['tfjs-cpu'], warmupIterations: 1, minSamples: 5, minTimeMs: 0, maxTimeMs: 5000, rounds: 1 },
    browser: { browsers: ['/usr/bin/chromium'] },
  });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out });
  assert.equal(record.failures.length, 0, JSON.stringify(record.failures));
  const [measurement] = record.measurements;
  assert.equal(measurement?.key.target, 'browser');
  assert.equal(measurement?.key.runtime, 'tfjs-cpu');
  assert.ok(measurement.device.browser?.version, 'the device block names the browser version');
  assert.deepEqual(record.runtimeSizes, await runtimeSizes({ runtimes: ['tfjs-cpu'] }));
  assert.ok(record.runtimeSizes[0]!.gzipBytes > 0 && record.runtimeSizes[0]!.gzipBytes < record.runtimeSizes[0]!.bytes);
});
