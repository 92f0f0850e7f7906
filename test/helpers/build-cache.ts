/**
 * Things several e2e files need and that take seconds to make (a retrained
 * mobilenet_v2, its converted .tflite variants), built once per tier and
 * reused: the first file that asks builds the folder, later files (and later
 * runs) find it on disk.
 *
 * A folder is keyed by a hash of what it is built from: the caller's inputs
 * and the checkout's own source (harness/, models/, targets/, package.json), so
 * a change to the code that builds it builds it again instead of serving a
 * stale one. It is built under a temporary name and renamed into place, so a
 * folder that exists is complete. The tier runs two files at once
 * (test/run-e2e.js), so the builder holds `<folder>.lock` (its pid) while it
 * builds and a second file that asks meanwhile waits for that folder instead
 * of building its own (the retrain is ~20 s of both cores); a lock whose
 * process is gone (a tier stopped mid-build) is taken over. Should two builds
 * still meet, both succeed and one rename wins.
 *
 * A cached folder is shared: a test copies it (`copyCached`) into its own
 * folder before it writes anything.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { cp, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The folder every cached build lives under; `rm -rf` it to build everything again. */
export const TEST_CACHE = join(tmpdir(), 'edgebench-test-cache');

let sourceHash: string | undefined;

/** A hash of the code a cached build runs: where the checkout is, every file of harness/, models/ and targets/, and package.json. */
function hashOfSource(): string {
  if (sourceHash) return sourceHash;
  // The checkout's own path too: a build may record absolute paths (the page bundle's manifest does).
  const hash = createHash('sha256').update(`${ROOT}\0`);
  for (const folder of ['harness', 'models', 'targets']) {
    const files = readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .map((name) => join(ROOT, folder, name))
      .filter((path) => statSync(path).isFile())
      .sort();
    for (const file of files) hash.update(`${file.slice(ROOT.length)}\0`).update(readFileSync(file));
  }
  hash.update(readFileSync(join(ROOT, 'package.json')));
  sourceHash = hash.digest('hex');
  return sourceHash;
}

/** The folder `name` built from `inputs` would have (whether it exists yet or not). */
export function cachedPath(name: string, inputs: unknown): string {
  const key = createHash('sha256').update(JSON.stringify(inputs)).update(hashOfSource()).digest('hex').slice(0, 16);
  return join(TEST_CACHE, `${name}-${key}`);
}

/**
 * The folder `name` built from `inputs`: `build(dir)` fills an empty folder the
 * first time, and its result is served from then on. The folder must be read
 * only; copy it with `copyCached` to write beside its files.
 */
export async function cached(name: string, inputs: unknown, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = cachedPath(name, inputs);
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(dir)) return dir;
    if (await takeLock(lock)) break;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    return existsSync(dir) ? dir : await buildInto(dir, build);
  } finally {
    await rm(lock, { force: true });
  }
}

/** How often a file waiting for another's build looks again. */
const LOCK_POLL_MS = 250;

/** True when this process now holds `lock`; false while a live process holds it (a dead one's is removed, to be taken next time). */
async function takeLock(lock: string): Promise<boolean> {
  await mkdir(TEST_CACHE, { recursive: true });
  // Written aside and linked into place: the lock never exists without its pid in it.
  const mine = `${lock}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(mine, String(process.pid));
  try {
    await link(mine, lock);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(mine, { force: true });
  }
  const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
  if (Number.isInteger(holder) && holder > 0 && !isRunning(holder)) await rm(lock, { force: true });
  return false;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function buildInto(dir: string, build: (dir: string) => Promise<void>): Promise<string> {
  const building = `${dir}.building-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(building, { recursive: true });
  try {
    await build(building);
    await rename(building, dir);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    // Another process renamed its build into place first: theirs is as good.
    if (existsSync(dir) && isRenameRace(error)) return dir;
    throw error;
  }
  return dir;
}

function isRenameRace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

/** Copies a cached folder's files into `out` (made if missing), for a test that writes beside them. */
export async function copyCached(dir: string, out: string): Promise<string> {
  await cp(dir, out, { recursive: true });
  return out;
}
