/**
 * A browser behind a WebDriver server, stood in for by chromedriver started
 * in another process on 127.0.0.1 (config `browser.endpoints` with an
 * http:// URL, the session's capabilities from `browser.capabilities`): the
 * tiny model measured there like a local browser, the device block read from
 * the remote browser and naming its host.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

const CHROMEDRIVER = '/usr/bin/chromedriver';
const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMEDRIVER) && existsSync(CHROMIUM);
let out: string;
let driver: ChildProcess | undefined;
let port = 0;

before(async () => {
  out = await tempDir('browser-remote-webdriver');
  await makeTinyArtifact(out, { images: 6 });
  if (!present) return;
  port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  driver = spawn(CHROMEDRIVER, [`--port=${port}`], { stdio: 'ignore' });
  for (let tries = 0; tries < 100; tries++) {
    if (await fetch(`http://127.0.0.1:${port}/status`).then((response) => response.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('chromedriver did not start');
});
after(async () => {
  if (driver && driver.exitCode === null) {
    const exited = new Promise((resolve) => driver!.once('exit', resolve));
    driver.kill('SIGTERM');
    await exited;
  }
  rmSync(out, { recursive: true, force: true });
});

test('a WebDriver server\'s browser is measured like a local one', { skip: !present && 'no chromedriver and Chromium', timeout: 120_000 }, async () => {
  const config = parseConfig({
    out,
    models: ['tiny'],
    run: { targets: ['browser'], backends: ['tfjs-wasm'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 2000, rounds: 1 },
    browser: {
      browsers: [],
      endpoints: [`http://127.0.0.1:${port}/`],
      capabilities: { 'goog:chromeOptions': { binary: CHROMIUM, args: ['--headless=new', '--no-sandbox'] } },
    },
  });
  const { record } = await runBenchmarks({ config, log: memoryLogger(), out, referenceInProcess: true });
  assert.deepEqual(record.failures.map((failure) => failure.error.message), []);
  assert.equal(record.measurements.length, 1);
  const { device } = record.measurements[0]!;
  assert.match(device.id, new RegExp(`^chrome-\\d+-at-127\\.0\\.0\\.1-${port}$`));
  assert.match(device.browser?.userAgent ?? '', /Chrome\//);
  assert.equal(device.extra?.host, `127.0.0.1:${port}`);
  assert.equal(device.extra?.protocol, 'webdriver');
});
