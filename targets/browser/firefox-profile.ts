/**
 * A fresh Firefox profile for each launch, seeded with what Firefox's first
 * start in an empty profile computes and every later start reads back: the
 * startup cache of its own compiled scripts, its add-on list and its
 * certificate and key databases. Without them each launch does a first
 * start's work again: ~9 CPU s a launch here against ~6.5 seeded (2026-12-07,
 * AMD EPYC, 2 cores). The first clean launch of a Firefox leaves those files
 * as the template; later launches of the same executable copy it.
 *
 * The template holds no site data (no HTTP cache, history, cookies, storage,
 * session or preferences; puppeteer writes the preferences at each launch),
 * so a page starts as cold as in an empty profile: only the browser's own
 * start is warm.
 *
 * Firefox runs what its startup cache holds as its own privileged code, so
 * the template lives in the user's private cache folder
 * (harness/core/private-dir.ts), is copied from regular files only and within
 * a size bound, and is used only while the executable it came from (and the
 * file that links to) has the same size and modification time; Firefox itself
 * also drops a startup cache of another build (compatibility.ini). Anything
 * wrong with the template means an unseeded profile, never an error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { fileStampsSchema, keepEntry, readKeptEntry, stampFiles, stampsCurrent } from '../../harness/core/kept-entry.ts';
import { privateCacheDir } from '../../harness/core/private-dir.ts';
import { candidateFiles, type BrowserCandidate } from './browsers.ts';

/** What a first start leaves that a later start reads instead of making again; none of it holds site data. */
export const TEMPLATE_ENTRIES: readonly string[] = [
  'startupCache', 'compatibility.ini', 'extensions.json', 'addonStartup.json.lz4', 'cert9.db', 'key4.db', 'pkcs11.txt', 'security_state',
];

/** A template is ~35 MB here (its startup cache ~32 MB); one past these bounds is not copied. */
const MAX_TEMPLATE_BYTES = 256 * 1024 * 1024;
const MAX_TEMPLATE_FILES = 2_000;

/** Bumped when what a template holds, or its layout, changes. */
const FORMAT = 1;
const stampsSchema = z.strictObject({ format: z.literal(FORMAT), inputs: fileStampsSchema });

export interface FirefoxProfile {
  /** The profile folder to launch with. */
  dir: string;
  /** Whether it started from the template. */
  seeded: boolean;
  /** Removes the profile; after a clean close of an unseeded profile, keeps its first-start files as the template first. */
  dispose(closedCleanly: boolean): Promise<void>;
}

function templateDir(root: string, candidate: BrowserCandidate): string {
  const id = { format: FORMAT, executable: candidate.executablePath };
  return join(root, createHash('sha256').update(JSON.stringify(id)).digest('hex').slice(0, 32));
}

/**
 * The regular files under `from` named by `entries` (recursively), as paths
 * relative to `from`; undefined when any is a link or something else, or when
 * they pass the bounds.
 */
async function regularFiles(from: string, entries: readonly string[]): Promise<string[] | undefined> {
  const files: string[] = [];
  let bytes = 0;
  const walk = async (relative: string): Promise<boolean> => {
    const info = await lstat(join(from, relative)).catch(() => undefined);
    if (!info) return true; // Not made by this Firefox: nothing to copy.
    if (info.isFile()) {
      files.push(relative);
      bytes += info.size;
      return files.length <= MAX_TEMPLATE_FILES && bytes <= MAX_TEMPLATE_BYTES;
    }
    if (!info.isDirectory()) return false;
    for (const name of await readdir(join(from, relative))) if (!(await walk(join(relative, name)))) return false;
    return true;
  };
  for (const entry of entries) if (!(await walk(entry))) return undefined;
  return files;
}

async function copyFiles(from: string, to: string, files: readonly string[]): Promise<void> {
  for (const file of files) {
    await mkdir(dirname(join(to, file)), { recursive: true, mode: 0o700 });
    await copyFile(join(from, file), join(to, file));
  }
}

/** The template's files folder when it is current for `candidate`. */
async function currentTemplate(dir: string, candidate: BrowserCandidate): Promise<string | undefined> {
  const kept = readKeptEntry(join(dir, 'stamps.json'), stampsSchema, 64 * 1024);
  if (!kept) return undefined;
  const inputs = await candidateFiles(candidate);
  if (inputs.some((file) => !(file in kept.inputs)) || !(await stampsCurrent(kept.inputs))) return undefined;
  return join(dir, 'files');
}

/** Keeps the first-start files of `profile` as the template at `dir`, replacing a stale one; a template another launch kept first wins. */
async function keepTemplate(profile: string, dir: string, candidate: BrowserCandidate): Promise<void> {
  const files = await regularFiles(profile, TEMPLATE_ENTRIES);
  if (!files?.length) return;
  const building = `${dir}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(building, { mode: 0o700 });
    await copyFiles(profile, join(building, 'files'), files);
    keepEntry(join(building, 'stamps.json'), { format: FORMAT, inputs: await stampFiles(await candidateFiles(candidate)) });
    if (!(await currentTemplate(dir, candidate))) await rm(dir, { recursive: true, force: true });
    await rename(building, dir);
  } catch {
    // Another launch kept its template first, or the cache cannot be written: only slower next time.
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}

/** A new profile folder for one launch of `candidate`, seeded from the template where a current one is kept. */
export async function newFirefoxProfile(candidate: BrowserCandidate, env: NodeJS.ProcessEnv = process.env): Promise<FirefoxProfile> {
  const dir = await mkdtemp(join(tmpdir(), 'edgebench-firefox-profile-'));
  const cache = privateCacheDir('firefox-profile', env);
  const template = 'dir' in cache ? templateDir(cache.dir, candidate) : undefined;
  let seeded = false;
  const from = template ? await currentTemplate(template, candidate) : undefined;
  if (from) {
    const files = await regularFiles(from, TEMPLATE_ENTRIES);
    if (files) {
      try {
        await copyFiles(from, dir, files);
        seeded = true;
      } catch {
        // A template being replaced meanwhile: this launch starts unseeded.
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { mode: 0o700 });
      }
    }
  }
  return {
    dir,
    seeded,
    async dispose(closedCleanly) {
      if (closedCleanly && !seeded && template) await keepTemplate(dir, template, candidate);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
