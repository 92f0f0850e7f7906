/**
 * What discovery learns about a browser (its version and the page's
 * capabilities) kept between runs: reading it launches the browser and loads
 * the page, 14 s of a warm `bench all` for three engines on a 2-core machine
 * (docs/bench-all.md), and ~20 s of every e2e file that starts Firefox or
 * WebKit, to learn again what the last run learned. The browser is then
 * launched for its first job instead.
 *
 * An entry is used only while nothing that could change those facts has:
 * the key names the engine, executable, driver, launch flags, the display
 * variables and the page bundle's bytes (the page reads the capabilities);
 * the executable's and driver's size and modification time (and those of
 * the file a link points to) are checked; and an entry older than a day is
 * read anew, since a launcher script (Debian's /usr/bin/chromium) can stay
 * the same while the browser behind it is upgraded.
 *
 * Entries live in the user's private cache folder
 * (harness/core/private-dir.ts): they decide what runs on which browser, so
 * no other user may plant one. An entry that does not parse or match the
 * schema, or no private folder at all, means a real discovery, never an
 * error; a discovery that fails is not kept.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fileStampsSchema, keepEntry, readKeptEntry, stampFiles, stampsCurrent } from '../../harness/core/kept-entry.ts';
import { privateCacheDir } from '../../harness/core/private-dir.ts';
import { PROTOCOL_VERSION, type PageCapabilities } from '../page/app/protocol.ts';
import type { HostBrowser } from '../page/page-host.ts';
import { candidateFiles, type BrowserCandidate } from './browsers.ts';

/** Read anew after this long, whatever the files say. */
export const FACTS_MAX_AGE_MS = 24 * 3600 * 1000;

/** Bumped when what is kept, or what it means, changes. */
const FORMAT = 1;

/** What a launch of the browser shows the page. */
export interface FactsKey {
  candidate: BrowserCandidate;
  headed: boolean;
  args: readonly string[];
  /** The page bundle's script (its bytes are hashed into the key). */
  pageScript: string;
}

/** A browser's facts as read from its page, and when. */
export interface KeptFacts {
  browser: HostBrowser;
  caps: PageCapabilities;
  /** ISO time of the real discovery they come from. */
  readAt: string;
}

const text = z.string().max(2000);
const capsSchema = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  userAgent: text,
  hardwareConcurrency: z.number().int().positive().max(4096),
  jsHeapLimitBytes: z.number().nonnegative().optional(),
  crossOriginIsolated: z.boolean(),
  sharedArrayBuffer: z.boolean(),
  wasm: z.strictObject({ supported: z.boolean(), simd: z.boolean(), relaxedSimd: z.boolean(), threads: z.boolean() }),
  webgl: z.strictObject({ webgl2: z.boolean(), vendor: text.optional(), renderer: text.optional(), software: text.optional(), error: text.optional() }),
  webgpu: z.strictObject({
    api: z.boolean(),
    adapter: z.boolean(),
    vendor: text.optional(),
    architecture: text.optional(),
    device: text.optional(),
    description: text.optional(),
    isFallbackAdapter: z.boolean().optional(),
    software: text.optional(),
    error: text.optional(),
  }),
});
const entrySchema = z.strictObject({
  facts: z.strictObject({ browser: z.strictObject({ name: text, version: text }), caps: capsSchema, readAt: z.iso.datetime() }),
  inputs: fileStampsSchema,
});
type Entry = z.infer<typeof entrySchema>;

/** An entry is a few kB; anything much larger is not ours. */
const MAX_ENTRY_BYTES = 256 * 1024;

async function entryPath(dir: string, key: FactsKey, env: NodeJS.ProcessEnv): Promise<string> {
  const page = createHash('sha256').update(await readFile(key.pageScript)).digest('hex');
  const { candidate } = key;
  const id = {
    format: FORMAT,
    engine: candidate.engine,
    name: candidate.name,
    source: candidate.source,
    executable: candidate.executablePath,
    driver: candidate.driverPath ?? null,
    headed: key.headed,
    args: key.args,
    display: env.DISPLAY ?? null,
    wayland: env.WAYLAND_DISPLAY ?? null,
    page,
  };
  return join(dir, `${createHash('sha256').update(JSON.stringify(id)).digest('hex').slice(0, 32)}.json`);
}

async function current(entry: Entry, candidate: BrowserCandidate, now: number): Promise<boolean> {
  const age = now - Date.parse(entry.facts.readAt);
  if (!(age >= 0 && age <= FACTS_MAX_AGE_MS)) return false;
  const files = await candidateFiles(candidate);
  if (files.some((file) => !(file in entry.inputs))) return false;
  return await stampsCurrent(entry.inputs);
}

export interface FactsCacheOptions {
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch (tests age entries with it). */
  now?: number;
}

/**
 * The facts `read` would give, from the cache while the entry for `key` is
 * current (`cached: true`), else from `read` (which launches the browser),
 * kept for the next run. `read`'s error is thrown as is and nothing is kept.
 */
export async function cachedBrowserFacts(
  key: FactsKey,
  read: () => Promise<{ browser: HostBrowser; caps: PageCapabilities }>,
  options: FactsCacheOptions = {},
): Promise<{ facts: KeptFacts; cached: boolean }> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now();
  const folder = privateCacheDir('browser-facts', env);
  const path = 'dir' in folder ? await entryPath(folder.dir, key, env).catch(() => undefined) : undefined;
  if (path) {
    const kept = readKeptEntry(path, entrySchema, MAX_ENTRY_BYTES);
    if (kept && (await current(kept, key.candidate, now))) return { facts: kept.facts as KeptFacts, cached: true };
  }
  const { browser, caps } = await read();
  const facts: KeptFacts = { browser: { name: browser.name, version: browser.version }, caps, readAt: new Date(now).toISOString() };
  if (path) keepEntry(path, { facts, inputs: await stampFiles(await candidateFiles(key.candidate)) } satisfies Entry);
  return { facts, cached: false };
}
