/**
 * A git ref's artifacts built at that commit, for an A/B whose baseline is a
 * commit where the code that builds artifacts (models/: retraining, the
 * converter) differs from this tree's: this out folder's artifacts cannot
 * stand for that commit's then.
 *
 * The baseline's own CLI (its harness/bin.js, run from its worktree with its
 * packages) retrains and converts into a private out folder under this out
 * folder's cache, on this side's dataset and settings. They reach it as a
 * JSON config file (its `--config`), the one interface every edgebench
 * version reads; a commit whose schema lacks one of the keys refuses it, and
 * that refusal is the one line the user sees. The folder is kept, keyed by
 * (commit, dataset fingerprint, settings), so a second A/B against the same
 * commit reuses it; a build that did not finish leaves no key file and is
 * built again.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { modelIds, type ResolvedConfig } from './core/config.ts';
import { UserError } from './core/errors.ts';
import { builtBaselinesDir } from './core/layout.ts';
import type { Logger } from './core/log.ts';
import { writeFileAtomic } from './core/safe-fs.ts';

/** What the baseline is built from besides its code: the dataset and every setting retrain and convert read. */
export interface BaselineBuildSettings {
  models: string[];
  backbones: ResolvedConfig['backbones'];
  /** The dataset as the config gives it (images absolute), plus a fingerprint of a user's image folder. */
  dataset: ResolvedConfig['dataset'];
  retrain: Omit<ResolvedConfig['retrain'], 'reuse'>;
  convert: ResolvedConfig['convert'];
}

/** The settings of this side that the baseline's build must share (`images` made absolute: the build runs in another folder). */
export function buildSettings(config: ResolvedConfig, cwd: string): BaselineBuildSettings {
  const { reuse: _reuse, ...retrain } = config.retrain;
  const dataset = { ...config.dataset, ...(config.dataset.images !== undefined ? { images: resolve(cwd, config.dataset.images) } : {}) };
  return { models: modelIds(config), backbones: config.backbones, dataset, retrain, convert: config.convert };
}

/** Files of a user's image folder read for the fingerprint at most (a dataset is a few thousand images; this bounds a mistaken root). */
const MAX_FINGERPRINT_FILES = 200_000;

/**
 * The dataset's fingerprint: a user's image folder by every file's path, size
 * and modification time (cheap, and any edit changes one of them); the
 * generated dataset by its seed and size (the commit's own generator makes
 * it, and the commit is in the key).
 */
export async function datasetFingerprint(dataset: BaselineBuildSettings['dataset']): Promise<string> {
  const hash = createHash('sha256');
  if (dataset.images === undefined) return hash.update(JSON.stringify({ generated: { seed: dataset.seed, imagesPerClass: dataset.imagesPerClass } })).digest('hex');
  const root = dataset.images;
  if (!existsSync(root)) throw new UserError(`dataset.images ${root} does not exist: the baseline cannot be built on it`, 'AB_BASELINE_BUILD');
  const files: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files.push(relative(root, join(entry.parentPath, entry.name)));
    if (files.length > MAX_FINGERPRINT_FILES) throw new UserError(`dataset.images ${root} holds more than ${MAX_FINGERPRINT_FILES} files: not an image folder to build a baseline on`, 'AB_BASELINE_BUILD');
  }
  files.sort();
  for (const file of files) {
    const info = await stat(join(root, file));
    hash.update(`${file}\t${info.size}\t${info.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** The cache key of a baseline build: the commit, the dataset's fingerprint and the settings. */
export function baselineBuildKey(commit: string, dataset: string, settings: BaselineBuildSettings): string {
  return createHash('sha256').update(JSON.stringify({ commit, dataset, settings })).digest('hex');
}

/** Where a build with this key lives: under the out folder's cache, named by the key alone (hex: never a path outside it). */
export function baselineBuildDir(out: string, key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a baseline build key: ${key}`);
  return join(builtBaselinesDir(out), key.slice(0, 32));
}

/** Written last: a folder without it is an unfinished build. */
const BUILT_FILE = 'baseline-build.json';

export interface BuildBaselineOptions {
  /** The baseline's worktree (its harness/bin.js, its packages). */
  tree: string;
  ref: string;
  commit: string;
  /** This side's out folder: the build goes under its cache. */
  out: string;
  cwd: string;
  config: ResolvedConfig;
  log: Logger;
  signal: AbortSignal;
}

/**
 * The out folder holding the commit's own artifacts: reused when a finished
 * build with the same key is there, else built now by the commit's CLI
 * (retrain, then convert), its progress shown as it goes.
 */
export async function buildBaselineArtifacts(options: BuildBaselineOptions): Promise<{ dir: string; reused: boolean }> {
  const { tree, ref, commit, out, log } = options;
  const settings = buildSettings(options.config, options.cwd);
  if (settings.models.length === 0) throw new UserError(`--baseline ${ref}: models/ changed since it, and no retrained model is asked for to build at it`, 'AB_BASELINE_BUILD');
  const key = baselineBuildKey(commit, await datasetFingerprint(settings.dataset), settings);
  const dir = baselineBuildDir(out, key);
  const built = join(dir, BUILT_FILE);
  if (existsSync(built) && builtKey(built) === key) {
    log.info(`baseline ${ref}: its artifacts as built at ${commit.slice(0, 12)} before, from ${dir}`);
    return { dir, reused: true };
  }
  // An unfinished build (killed, failed) is started over: its files may be half written.
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'baseline.config.json');
  const { dataset, ...rest } = settings;
  // The dataset's generated copy goes in the build's own folder (its generator is the commit's).
  await writeFile(configFile, `${JSON.stringify({ ...rest, out: dir, dataset }, null, 2)}\n`);
  log.info(`baseline ${ref}: models/ changed since ${commit.slice(0, 12)}: building its artifacts with its own code in ${dir} (${settings.models.join(', ')}; retraining takes minutes on the default dataset)`);
  for (const command of ['retrain', 'convert'] as const) {
    await runBaselineCli({ tree, ref, command, args: ['--config', configFile, '--out', dir], cwd: dir, log, signal: options.signal });
  }
  writeFileAtomic(built, `${JSON.stringify({ key, commit, ref, settings, builtAt: new Date().toISOString() }, null, 2)}\n`);
  return { dir, reused: false };
}

function builtKey(path: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { key?: unknown };
    return typeof parsed.key === 'string' ? parsed.key : undefined;
  } catch {
    return undefined;
  }
}

export interface BaselineCliRun {
  tree: string;
  ref: string;
  command: string;
  args: string[];
  cwd: string;
  log: Logger;
  signal: AbortSignal;
}

/**
 * `bench <command> <args>` as the baseline's own code runs it (its
 * harness/bin.js, no shell), each line it prints passed on as progress; a
 * non-zero exit is one line naming the command and its last words.
 */
export function runBaselineCli(run: BaselineCliRun): Promise<void> {
  const bin = join(run.tree, 'harness', 'bin.js');
  if (!existsSync(bin)) return Promise.reject(new UserError(`--baseline ${run.ref} has no harness/bin.js: its artifacts cannot be built with its own code`, 'AB_BASELINE_BUILD'));
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, run.command, ...run.args], { cwd: run.cwd, stdio: ['ignore', 'pipe', 'pipe'], signal: run.signal, env: { ...process.env, NO_COLOR: '1' } });
    let last = '';
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.map((text) => text.trim()).filter(Boolean)) {
        last = line;
        run.log.info(`baseline ${run.ref} | ${line.slice(0, 300)}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => reject(run.signal.aborted ? error : new UserError(`--baseline ${run.ref}: its bench ${run.command} could not start: ${error.message}`, 'AB_BASELINE_BUILD')));
    child.on('close', (code) => {
      if (pending.trim()) last = pending.trim();
      if (code === 0) return resolvePromise();
      if (run.signal.aborted) return reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      reject(new UserError(`--baseline ${run.ref}: its own bench ${run.command} failed (exit ${code}): ${last.slice(0, 300) || 'no output'}`, 'AB_BASELINE_BUILD'));
    });
  });
}
