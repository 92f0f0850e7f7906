/**
 * A browser on another machine, stood in for by a real Playwright server in
 * another process on 127.0.0.1: `--browser-endpoint ws://…` measures the tiny
 * model there like a local browser, its device block read from the remote
 * browser (its version, user agent, cores) and naming its host; credentials
 * in the URL appear nowhere in the record or the log.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { registerSecrets, secretsIn } from '../../harness/core/redact.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

let out: string;
let server: ChildProcess;
let wsEndpoint: string;
const CHROMIUM = '/usr/bin/chromium';

before(async () => {
  out = await tempDir('browser-remote');
  await makeTinyArtifact(out, { images: 6 });
  if (!existsSync(CHROMIUM)) return;
  server = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/playwright-server.ts', CHROMIUM], { stdio: ['ignore', 'pipe', 'inherit'] });
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
