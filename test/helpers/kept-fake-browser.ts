/**
 * A "browser" whose facts are already in the private facts cache
 * (targets/browser/facts-cache.ts): a script that leaves a mark in `marker`
 * each time it is started and fails, so a test sees every launch and none is
 * needed for discovery to pass. Set XDG_CACHE_HOME before calling: the facts
 * are kept in the private cache it names.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig, type ResolvedConfig } from '../../harness/core/config.ts';
import { cachedBrowserFacts } from '../../targets/browser/facts-cache.ts';
import { PROTOCOL_VERSION } from '../../targets/page/app/protocol.ts';
import { PAGE_SCRIPT, pageBundleDir } from '../../targets/page/bundle.ts';

export interface KeptFakeBrowser {
  executable: string;
  marker: string;
  /** A config naming only this browser, its launch timeout short. */
  config: ResolvedConfig;
  /** How many times the script was started. */
  launches(): Promise<number>;
}

/** Writes the script under `root` and keeps its facts for the page bundle of `out`. */
export async function keptFakeBrowser(root: string, out: string): Promise<KeptFakeBrowser> {
  const marker = join(root, 'launched');
  const executable = join(root, 'chrome-fake');
  await writeFile(executable, `#!/bin/sh\necho launched >> '${marker}'\nexit 1\n`, { mode: 0o755 });
  const config = parseConfig({ out, browser: { browsers: [executable] }, timeouts: { browser: { launchMs: 5000 } } });
  const candidate = { name: 'chrome-fake', engine: 'chromium' as const, executablePath: executable, source: 'config' as const };
  const caps = {
    protocol: PROTOCOL_VERSION,
    userAgent: 'planted',
    hardwareConcurrency: 1,
    crossOriginIsolated: true,
    sharedArrayBuffer: true,
    wasm: { supported: true, simd: true, relaxedSimd: false, threads: true },
    webgl: { webgl2: false },
    webgpu: { api: false, adapter: false },
  };
  await cachedBrowserFacts({ candidate, headed: false, args: config.browser.args, pageScript: join(pageBundleDir(out), PAGE_SCRIPT) }, async () => ({ browser: { name: 'chrome-fake', version: '999.0.1' }, caps }));
  const launches = async () => (await readFile(marker, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  return { executable, marker, config, launches };
}
