/**
 * `bench devices`: what it lists for every target kind, and for each browser
 * engine installed here; one describe block per behaviour (one test process
 * where two files each paid their own). The Node listing runs beside the
 * browser engines' (mostly waiting on three launches); the listing on a PATH
 * without the packages, which changes this process's environment, after both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { formatDevices, listDevices, type TargetListing } from '../../harness/commands/devices.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { findBrowsers } from '../../targets/browser/browsers.ts';
import { createNodeTarget } from '../../targets/node/index.ts';
import type { Target } from '../../targets/types.ts';
import { bench } from '../helpers/cli.ts';
import { pageOut } from '../helpers/page-bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

const search = await findBrowsers();
const engines = new Set(search.found.map((candidate) => candidate.engine));

describe('bench devices', { concurrency: 2 }, () => {
  /**
   * `bench devices`: every target kind is listed; Node shows each runtime as
   * available or unavailable with the reason; a target whose module fails to
   * import is listed as unavailable with its error.
   */
  describe('every target kind', { concurrency: 1 }, () => {
    test('listDevices: Node with its runtimes; a target that fails to import or to discover is unavailable with the error', async () => {
      const out = mkdtempSync(join(tmpdir(), 'edgebench-devices-'));
      try {
        const context = { config: parseConfig({ out }), log: memoryLogger(), out, signal: new AbortController().signal };
        const listings = await listDevices(['node', 'browser', 'android'], context, {
          node: async () => createNodeTarget({ isolate: false }),
          browser: async () => {
            throw new Error("Cannot find module '/x/targets/browser/index.ts'");
          },
          android: async () => ({ kind: 'android', discover: async () => Promise.reject(new Error('adb: not found')), run: async () => Promise.reject(new Error('unused')) }) satisfies Target,
        });
        assert.deepEqual(listings.map((listing) => [listing.kind, listing.available]), [['node', true], ['browser', false], ['android', false]]);
        assert.match(listings[1]!.reason!, /cannot load the browser target: Cannot find module/);
        assert.match(listings[2]!.reason!, /discovery failed: adb: not found/);

        const node = listings[0]!.devices[0]!;
        assert.equal(node.device.id, 'host');
        assert.equal(node.usable, true);
        const status = new Map(node.runtimes.map((runtime) => [runtime.runtime, runtime]));
        assert.equal(status.get('tfjs-wasm')?.available, true);
        assert.equal(status.get('tfjs-cpu')?.available, true);
        for (const runtime of node.runtimes.filter((candidate) => !candidate.available)) assert.ok(runtime.reason, `${runtime.runtime} says why it is unavailable`);

        const lines = formatDevices(listings).map((line) => stripVTControlCharacters(line));
        assert.ok(lines.some((line) => /^\s+tfjs-wasm\s+available/.test(line)), lines.join('\n'));
        assert.ok(lines.some((line) => line.startsWith('browser: unavailable (cannot load the browser target')));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    test('bench devices --targets node --json prints the listing as JSON on stdout', async () => {
      const out = mkdtempSync(join(tmpdir(), 'edgebench-devices-cli-'));
      try {
        const result = await bench(['devices', '--targets', 'node', '--json', '--out', out]);
        assert.equal(result.code, 0, result.stderr);
        const { targets } = JSON.parse(result.stdout) as { targets: TargetListing[] };
        assert.equal(targets.length, 1);
        const runtimes = targets[0]!.devices[0]!.runtimes;
        assert.deepEqual(runtimes.map((runtime) => runtime.runtime), ['tfjs-tensorflow', 'tfjs-tensorflow-gpu', 'tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu', 'tflite-node']);
        assert.ok(runtimes.every((runtime) => runtime.available || (runtime.reason ?? '').length > 0));
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });

  /**
   * `bench devices` on this machine lists each browser engine installed
   * (Chromium, Firefox, WebKitGTK) with its version and the runtimes it can
   * run: tfjs-wasm and litert-wasm in each; a software renderer is never listed
   * as a GPU runtime to run by default (skipped where one is missing).
   */
  describe('every browser engine', () => {
    let out: string;

    before(async () => {
      out = await pageOut('devices-engines');
    });
    after(() => rmSync(out, { recursive: true, force: true }));

    test('bench devices lists Chromium, Firefox and WebKit with versions and runtimes', { skip: engines.size < 3 && `missing: ${search.missing.map((missing) => missing.reason).join('; ')}`, timeout: 120_000 }, async () => {
      const { code, stdout, stderr } = await bench(['devices', '--targets', 'browser', '--out', out]);
      assert.equal(code, 0, stderr);
      const text = `${stdout}\n${stderr}`;
      const block = (id: RegExp) => {
        const lines = text.split('\n');
        const start = lines.findIndex((line) => id.test(line));
        assert.ok(start >= 0, `no device line ${id} in:\n${text}`);
        const end = lines.findIndex((line, index) => index > start && !line.startsWith('  '));
        return lines.slice(start, end < 0 ? undefined : end).join('\n');
      };
      const firefox = block(/^browser firefox-\d+: Firefox \d+\.\d+/);
      const webkit = block(/^browser webkitgtk-\d+\.\d+: WebKitGTK \d+\.\d+\.\d+/);
      for (const engine of [firefox, webkit]) {
        assert.doesNotMatch(engine.split('\n')[0]!, /not usable/);
        assert.match(engine, /^ {2}tfjs-wasm +available/m);
        assert.match(engine, /^ {2}litert-wasm +available/m);
        // An extra engine's GPU runtime is never plainly available in a default run: opt-in, software or unavailable.
        assert.doesNotMatch(engine, /^ {2}(tfjs-webgl|tfjs-webgpu|litert-webgpu) +available( {2}|$)/m);
      }
      // WebKit names its renderer "Apple GPU" even on Xvfb: marked software all the same.
      if (!process.env.DISPLAY) assert.match(webkit, /^ {2}tfjs-webgl +available software \(software rendering on Xvfb/m);
      assert.match(block(/^browser chromium-\d+: Chromium/), /^ {2}tfjs-wasm +available/m);
    });
  });
});

/**
 * On a PATH without the browsers' packages (this process's PATH and DISPLAY
 * changed for the test: it runs alone, after the blocks above), each engine
 * is listed not usable with the line that installs it, and the command
 * still succeeds.
 */
describe('no browser engine installed', () => {
  test('without the packages: each engine listed with its install line', async () => {
    const out = await pageOut('devices-no-engines-out');
    const empty = await tempDir('devices-no-engines');
    const config = join(empty, 'bench.config.json');
    await writeFile(config, JSON.stringify({ browser: { browsers: ['firefox', 'webkit'] } }));
    const saved = { PATH: process.env.PATH, DISPLAY: process.env.DISPLAY };
    process.env.PATH = empty;
    delete process.env.DISPLAY;
    try {
      const { code, stdout, stderr } = await bench(['devices', '--targets', 'browser', '--out', out, '--config', config]);
      assert.equal(code, 0, stderr);
      const text = `${stdout}\n${stderr}`;
      assert.match(text, /^browser firefox-missing: firefox not usable: .*apt-get install firefox-esr/m);
      assert.match(text, /^browser webkit-missing: webkit not usable: .*apt-get install webkit2gtk-driver xvfb/m);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.DISPLAY !== undefined) process.env.DISPLAY = saved.DISPLAY;
      rmSync(empty, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });
});
