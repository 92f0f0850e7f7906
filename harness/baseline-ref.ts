/**
 * A git ref as an A/B baseline: the commit checked out in a private
 * temporary worktree, with its own packages, removed again afterwards
 * whatever happens (a failure, Ctrl-C, a second Ctrl-C's exit).
 *
 * The ref comes from a command line or a CI file: it is checked against a
 * plain-name pattern and handed to git after `--end-of-options`, so it can
 * never be read as an option. git runs without a shell.
 *
 * Packages: when the commit's package-lock.json is this tree's, the worktree
 * links this tree's node_modules (the same packages, nothing to install);
 * otherwise `npm ci --strict-allow-scripts` installs its own lockfile there, so
 * its workers load its runtime versions (install scripts only as its allowScripts says). No registry, no baseline: that is said in one line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from './core/errors.ts';
import type { Logger } from './core/log.ts';

/** Branch, tag, commit, `HEAD~2`, `origin/main`, `v1.2^`: letters, digits and `._/-~^@{}+`, not starting with `-`. */
const REF_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._/~^@{}+-]*$/;
const MAX_REF_LENGTH = 200;

/** The ref, or a UserError saying why it is not a plain git ref name (an option, a range, a shell word …). */
export function checkRefName(ref: string): string {
  if (ref.length === 0 || ref.length > MAX_REF_LENGTH || !REF_PATTERN.test(ref) || ref.includes('..') || ref.includes('@{-')) {
    throw new UserError(`--baseline ${JSON.stringify(ref.slice(0, 80))}: neither an out folder nor a git ref name (a ref is letters, digits and . _ / - ~ ^ @ { } +, not starting with "-", no ".." range)`, 'AB_BASELINE');
  }
  return ref;
}

/** What the record says of one side's code. */
export interface SideSource {
  /** The commit, and for this side whether the tree had changes. */
  git?: { commit: string; dirty?: boolean; ref?: string };
  /** sha256 of package-lock.json; absent without one. */
  lockfileSha256?: string;
  /** Installed versions of the runtime packages (package.json of each, in that side's node_modules). */
  runtimeVersions: Record<string, string>;
  /** A git ref's artifacts: this out folder's (models/ unchanged since it) or built by its own code (harness/baseline-build.ts). */
  artifacts?: { from: 'this out folder'; dir: string } | { from: 'built at the commit'; dir: string; cached: boolean };
}

/** The runtime packages whose versions each side's record names (tfjs-tflite-node runs tflite-node). */
export const RUNTIME_PACKAGES = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@litertjs/core', 'tfjs-tflite-node'] as const;

export function runtimeVersions(root: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of RUNTIME_PACKAGES) {
    try {
      const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof manifest.version === 'string') versions[name] = manifest.version;
    } catch {
      // not installed on this side: not named
    }
  }
  return versions;
}

export function lockfileHash(root: string): string | undefined {
  const path = join(root, 'package-lock.json');
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : undefined;
}

export interface BaselineTree {
  ref: string;
  commit: string;
  /** The worktree: the baseline's code and packages. */
  dir: string;
  /** How its packages came: this tree's linked (same lockfile) or its own lockfile installed. */
  packages: 'linked' | 'npm ci';
  source: SideSource;
  /**
   * Takes the worktree away at once (renamed aside, unregistered from git)
   * and deletes its files in the background; idempotent. `removed` is when
   * the files are gone.
   */
  remove(): Promise<void>;
  /** Settles once the worktree's files are deleted (after `remove()`). */
  removed(): Promise<void>;
}

export interface CheckoutOptions {
  ref: string;
  /** A folder inside this repository (the working folder). */
  cwd: string;
  log: Logger;
  signal: AbortSignal;
  /** Installs a lockfile's packages in `dir` (default `npm ci`); tests pass a stand-in only where no registry is the point. */
  install?: (dir: string, signal: AbortSignal) => Promise<void>;
}

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { ok: result.status === 0, out: (result.stdout ?? '').trim(), err: (result.stderr ?? result.error?.message ?? '').trim() };
}

/** The repository around `cwd` and the commit `ref` names there; a UserError in one line when there is none. */
export function resolveRef(ref: string, cwd: string): { repo: string; commit: string } {
  checkRefName(ref);
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new UserError(`--baseline ${ref}: not an out folder, and ${cwd} is not inside a git repository to find it as a ref in`, 'AB_BASELINE');
  const repo = top.out;
  const resolved = git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (!resolved.ok || !/^[0-9a-f]{40,64}$/.test(resolved.out)) throw new UserError(`--baseline ${ref}: no such out folder, and no commit of that name in ${repo} (fetch it first: git fetch origin ${ref.replace(/^origin\//, '')})`, 'AB_BASELINE');
  return { repo, commit: resolved.out };
}

/** Checks `ref` out in a private temporary worktree with its packages; the caller removes it (`remove()`, in a finally). */
export async function checkoutBaseline(options: CheckoutOptions): Promise<BaselineTree> {
  const ref = checkRefName(options.ref);
  const { repo, commit } = resolveRef(ref, options.cwd);
  // mkdtemp makes the folder 0700: nobody else can plant files in the tree we then run.
  const home = await mkdtemp(join(tmpdir(), 'edgebench-baseline-'));
  const dir = join(home, 'tree');
  let removed: Discarding | undefined;
  const removeNow = () => (removed ??= discardTree(repo, home));
  // A second Ctrl-C exits at once (harness/interrupt.ts): the worktree goes then too.
  const atExit = () => void removeNow();
  process.once('exit', atExit);
  const remove = async () => {
    process.off('exit', atExit);
    void removeNow();
  };
  try {
    const added = git(repo, ['worktree', 'add', '--detach', '--quiet', dir, commit]);
    if (!added.ok) throw new UserError(`--baseline ${ref}: git worktree add failed: ${added.err.split('\n')[0]}`, 'AB_BASELINE');
    if (!existsSync(join(dir, 'targets', 'node', 'worker.ts'))) throw new UserError(`--baseline ${ref} (${commit.slice(0, 12)}) has no targets/node/worker.ts: not an edgebench tree this version can run`, 'AB_BASELINE');
    const mine = lockfileHash(repo);
    const theirs = lockfileHash(dir);
    let packages: BaselineTree['packages'];
    if (mine !== undefined && mine === theirs && existsSync(join(repo, 'node_modules'))) {
      symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
      packages = 'linked';
    } else {
      if (theirs === undefined) throw new UserError(`--baseline ${ref} has no package-lock.json: its packages cannot be installed as it had them`, 'AB_BASELINE');
      options.log.info(`baseline ${ref}: its package-lock.json differs from this tree's: npm ci in ${dir}`);
      await (options.install ?? npmCi)(dir, options.signal);
      packages = 'npm ci';
    }
    return { ref, commit, dir, packages, source: { git: { commit, ref }, ...(theirs ? { lockfileSha256: theirs } : {}), runtimeVersions: runtimeVersions(dir) }, remove, removed: () => removed?.done() ?? Promise.resolve() };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * Removes a baseline worktree without making the verdict wait for it: a
 * worktree with its own packages is ~1.1 GB, minutes to delete on a loaded
 * machine. The folder is renamed aside (instant, same file system) and git
 * forgets the worktree (prune: its folder is gone), then a detached `rm -rf`
 * deletes the files, so neither the verdict nor this process's exit waits,
 * and the deletion finishes even when this process is killed. The rename
 * also means a half-deleted tree is never at the path git or a user knew.
 * `done()` settles when the files are gone, keeping this process alive for
 * it (tests wait; the CLI does not, and exits while the deletion goes on).
 */
export interface Discarding {
  done(): Promise<void>;
}

export function discardTree(repo: string, home: string): Discarding {
  let trash = `${home}-removing`;
  try {
    renameSync(home, trash);
  } catch {
    trash = home; // already gone, or not renamable: delete it where it is
  }
  git(repo, ['worktree', 'prune']);
  const finished = { done: () => Promise.resolve() };
  if (!existsSync(trash)) return finished;
  if (process.platform === 'win32') {
    rmSync(trash, { recursive: true, force: true });
    return finished;
  }
  // Never a shell: the path is an argument after `--`. Its own process group: it outlives a Ctrl-C's exit, and unref'd, this process does not wait for it.
  const child = spawn('rm', ['-rf', '--', trash], { detached: true, stdio: 'ignore' });
  child.unref();
  const gone = new Promise<void>((resolve) => {
    child.on('error', () => {
      rmSync(trash, { recursive: true, force: true });
      resolve();
    });
    child.on('close', () => resolve());
  });
  return {
    done: () => {
      child.ref();
      return gone;
    },
  };
}

/** `npm ci` in `dir`; a failure (often: no registry) is one line saying so. */
export function npmCi(dir: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // As .ci/run installs (docs/security.md): a dependency's install script runs only where the baseline's allowScripts approved it.
    // --prefer-offline: a baseline shares most of its packages with this tree, already in npm's cache; only what differs is fetched.
    const child = spawn('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--strict-allow-scripts', '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    child.on('error', (error) => reject(signal.aborted ? error : new UserError(`npm ci for the baseline could not start: ${error.message}`, 'AB_BASELINE_INSTALL')));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' ');
      const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(stderr);
      reject(new UserError(`npm ci for the baseline failed (exit ${code})${offline ? ': the npm registry is not reachable from here' : ''}: ${last || 'no output'}`, 'AB_BASELINE_INSTALL'));
    });
  });
}
