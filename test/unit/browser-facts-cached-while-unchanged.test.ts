/**
 * A browser's discovered facts are taken from the private cache while its
 * executable, the page bundle, the flags and the display are unchanged and
 * the entry is under a day old; any change, a corrupt entry or a failed read
 * means a real discovery (targets/browser/facts-cache.ts).
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cachedBrowserFacts, FACTS_MAX_AGE_MS, type FactsKey } from '../../targets/browser/facts-cache.ts';
import { PROTOCOL_VERSION, type PageCapabilities } from '../../targets/page/app/protocol.ts';

const caps: PageCapabilities = {
  protocol: PROTOCOL_VERSION,
  userAgent: 'Mozilla/5.0 test',
  hardwareConcurrency: 2,
  crossOriginIsolated: true,
  sharedArrayBuffer: true,
  wasm: { supported: true, simd: true, relaxedSimd: false, threads: true },
  webgl: { webgl2: true, renderer: 'SwiftShader', software: 'software renderer (SwiftShader)' },
  webgpu: { api: false, adapter: false },
};

test('browser facts: read once, then kept while nothing changed; a change, a corrupt or old entry, or a failure reads anew', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-facts-'));
  try {
    const env = { XDG_CACHE_HOME: join(root, 'cache'), DISPLAY: ':99' };
    const executable = join(root, 'chromium');
    const pageScript = join(root, 'page.js');
    await writeFile(executable, '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(pageScript, 'export {};\n');
    const key: FactsKey = { candidate: { name: 'chromium', engine: 'chromium', executablePath: executable, source: 'config' }, headed: false, args: [], pageScript };
    let reads = 0;
    const read = async () => {
      reads += 1;
      return { browser: { name: 'chromium', version: `156.0.${reads}` }, caps };
    };
    const now = Date.parse('2026-12-07T01:00:00Z');
    const facts = (override: Partial<FactsKey> = {}, options: { now?: number; env?: NodeJS.ProcessEnv } = {}) => cachedBrowserFacts({ ...key, ...override }, read, { env: options.env ?? env, now: options.now ?? now });

    const first = await facts();
    assert.equal(first.cached, false);
    assert.equal(reads, 1);
    const second = await facts({}, { now: now + 60_000 });
    assert.equal(second.cached, true, 'unchanged: kept');
    assert.equal(reads, 1, 'the browser was not asked again');
    assert.deepEqual(second.facts.caps, caps);
    assert.equal(second.facts.browser.version, '156.0.1');
    assert.equal(second.facts.readAt, new Date(now).toISOString());

    assert.equal((await facts({ args: ['--enable-unsafe-webgpu'] })).cached, false, 'other flags: read anew');
    assert.equal((await facts({ headed: true })).cached, false, 'headed: read anew');
    assert.equal((await facts({}, { env: { ...env, DISPLAY: ':0' } })).cached, false, 'another display: read anew');
    assert.equal((await facts({}, { now: now + FACTS_MAX_AGE_MS + 1 })).cached, false, 'a day old: read anew');
    const reread = reads;

    await appendFile(pageScript, '// a new page bundle\n');
    assert.equal((await facts()).cached, false, 'a changed page bundle: read anew');
    assert.equal((await facts()).cached, true);

    await appendFile(executable, '# upgraded\n');
    const upgraded = await facts();
    assert.equal(upgraded.cached, false, 'a changed executable: read anew');
    assert.equal(reads, reread + 2);
    assert.equal((await facts()).facts.browser.version, upgraded.facts.browser.version, 'the new facts are kept');

    const folder = join(env.XDG_CACHE_HOME, 'edgebench', 'browser-facts');
    for (const name of await readdir(folder)) await writeFile(join(folder, name), '{"facts": {"browser": 1}}');
    assert.equal((await facts()).cached, false, 'a corrupt entry: read anew');
    for (const name of await readdir(folder)) await writeFile(join(folder, name), 'not json');
    assert.equal((await facts()).cached, false);

    const failing = async (): Promise<never> => {
      throw new Error('chromium: launch failed');
    };
    await appendFile(executable, '# broken\n');
    await assert.rejects(cachedBrowserFacts(key, failing, { env, now }), /launch failed/);
    assert.equal((await facts()).cached, false, 'a failed discovery is not kept');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
