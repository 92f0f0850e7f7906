/**
 * A browser on another machine, each kind of remote stood in for by a real
 * server in another process on 127.0.0.1, measured through `runBenchmarks`
 * like a local browser: one describe block per protocol (one test process
 * where two files each paid their own).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { registerSecrets, secretsIn } from '../../harness/core/redact.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { CHROMIUM_DISABLE_FEATURES } from '../../targets/browser/launcher.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMEDRIVER = '/usr/bin/chromedriver';

/**
 * A browser on another machine, stood in for by a real Playwright server in
 * another process on 127.0.0.1: `--browser-endpoint ws://…` measures the tiny
 * model there like a local browser, its device block read from the remote
 * browser (its version, user agent, cores) and naming its host; credentials
 * in the URL appear nowhere in the record or the log.
 */
describe('a Playwright server (--browser-endpoint ws://)', () => {
  let out: string;
  let server: ChildProcess;
  let wsEndpoint: string;

  before(async () => {
    out = await pageOut('browser-remote');
    await makeTinyArtifact(out, { images: 6 });
    if (!existsSync(CHROMIUM)) return;
    // Through the tests' own loader (test/ts-loader.js), as this file runs: registering tsx cost ~0.5 s of CPU.
    server = spawn(process.execPath, ['--import', './test/ts-loader.js', 'test/fixtures/playwright-server.ts', CHROMIUM], { stdio: ['ignore', 'pipe', 'inherit'] });
    wsEndpoint = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', resolve);
      server.once('exit', (code) => reject(new Error(`the Playwright server exited (${code})`)));
    });
  });
  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(out, { recursive: true, force: true });
  });

  test('a Playwright server\'s browser is measured like a local one', { skip: !existsSync(CHROMIUM) && 'no Chromium to serve', timeout: 120_000 }, async () => {
    // A cloud puts a key in the URL: it must be accepted and never written.
    const url = new URL(wsEndpoint);
    url.searchParams.set('accessKey', 'sekrit-key-123');
    const config = parseConfig({
      out,
      models: ['tiny'],
      run: { targets: ['browser'], backends: ['tfjs-wasm'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 2000, rounds: 1 },
      browser: { browsers: [], endpoints: [url.href] },
    });
    registerSecrets(secretsIn(config));
    const log = memoryLogger();
    const { record, recordPath } = await runBenchmarks({ config, log, out, referenceInProcess: true });
    assert.deepEqual(record.failures.map((failure) => failure.error.message), []);
    assert.equal(record.measurements.length, 1);
    const { device } = record.measurements[0]!;
    assert.match(device.id, /^chromium-\d+-at-127\.0\.0\.1-\d+$/);
    assert.match(device.browser?.userAgent ?? '', /Chrome\//);
    assert.equal(device.extra?.remote, true);
    assert.equal(device.extra?.host, `127.0.0.1:${url.port}`);
    assert.equal(device.extra?.threads !== undefined, true);
    const written = readFileSync(recordPath, 'utf8');
    assert.ok(!written.includes('sekrit-key-123'), 'the key is not in the record');
    assert.ok(!log.lines.join('\n').includes('sekrit-key-123'), 'the key is not in the log');
  });
});

/**
 * A browser behind a WebDriver server, stood in for by chromedriver started
 * in another process on 127.0.0.1 (config `browser.endpoints` with an
 * http:// URL, the session's capabilities from `browser.capabilities`): the
 * tiny model measured there like a local browser (on tfjs-cpu, which starts
 * with no wasm or threads in the page), the device block read from the
 * remote browser and naming its host.
 */
describe('a WebDriver server (browser.endpoints http://)', () => {
  const present = existsSync(CHROMEDRIVER) && existsSync(CHROMIUM);
  let out: string;
  let driver: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    out = await pageOut('browser-remote-webdriver');
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
      // tfjs-cpu: the route is the point, not the runtime (no wasm compiled, no threads spawned in the page).
      run: { targets: ['browser'], backends: ['tfjs-cpu'], warmupIterations: 1, minSamples: 3, minTimeMs: 0, maxTimeMs: 2000, rounds: 1 },
      browser: {
        browsers: [],
        endpoints: [`http://127.0.0.1:${port}/`],
        capabilities: { 'goog:chromeOptions': { binary: CHROMIUM, args: ['--headless=new', '--no-sandbox', CHROMIUM_DISABLE_FEATURES] } },
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
});
