/**
 * The benchmark page of another tree (a git ref's worktree:
 * harness/baseline-ref.ts), built by that tree's own bundle builder with its
 * own packages, for an A/B whose baseline is that commit: A's page must run
 * A's page code and A's TF.js / LiteRT.js, as A's Node workers run A's.
 *
 * The build runs in a child process started in the tree (its tsx, its
 * esbuild, its targets/page/bundle.ts and assets.ts), into a folder inside
 * the tree, so it goes away with the worktree. It answers with the bundle's
 * folder and the tree's wasm folders by URL prefix: what the page server
 * serves while one of A's pages runs (./ab-pages.ts).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { PAGE_SCRIPT } from './bundle.ts';

/** What the page server serves for one side: URL prefix → folder (`/` the bundle, `/vendor/…` the runtimes' wasm). */
export type PageMounts = Record<string, string>;

/** Runs in the tree: its own modules, by path, through its own tsx. */
const BUILD_SCRIPT = `
const { pathToFileURL } = await import('node:url');
const tree = process.env.EDGEBENCH_AB_TREE;
const { buildPageBundle } = await import(pathToFileURL(tree + '/targets/page/bundle.ts').href);
const { vendorMounts } = await import(pathToFileURL(tree + '/targets/page/assets.ts').href);
const bundle = await buildPageBundle(process.env.EDGEBENCH_AB_OUT);
process.stdout.write(JSON.stringify({ dir: bundle.dir, vendor: vendorMounts() }));
`;

/** The most a build's answer may be (a folder and a few prefixes). */
const MAX_ANSWER = 64 * 1024;

/** Builds `tree`'s page with its own code; its mounts, or an Error in one line saying why not. */
export function buildTreePageBundle(tree: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<PageMounts> {
  if (!existsSync(join(tree, 'targets', 'page', 'bundle.ts'))) return Promise.reject(new Error(`the baseline tree has no targets/page/bundle.ts: its page cannot be built with its own code`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', BUILD_SCRIPT], {
      cwd: tree,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EDGEBENCH_AB_TREE: tree, EDGEBENCH_AB_OUT: join(tree, '.edgebench-ab') },
      timeout: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => void (stdout = (stdout + chunk.toString('utf8')).slice(0, MAX_ANSWER)));
    child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? 'no output';
        return reject(new Error(`building the baseline's page with its own code failed (exit ${code}): ${last.slice(0, 300)}`));
      }
      try {
        resolve(parseAnswer(stdout));
      } catch (error) {
        reject(new Error(`the baseline's page build answered no mounts: ${(error as Error).message}`));
      }
    });
  });
}

/** The build's answer as mounts: absolute folders under URL prefixes that start with `/`. */
export function parseAnswer(text: string): PageMounts {
  const answer = JSON.parse(text) as { dir?: unknown; vendor?: unknown };
  if (typeof answer.dir !== 'string' || !isAbsolute(answer.dir)) throw new Error('no bundle folder');
  const mounts: PageMounts = { '/': answer.dir };
  if (typeof answer.vendor !== 'object' || answer.vendor === null) throw new Error('no wasm folders');
  for (const [prefix, dir] of Object.entries(answer.vendor)) {
    if (!prefix.startsWith('/') || prefix === '/' || typeof dir !== 'string' || !isAbsolute(dir)) throw new Error(`a wasm folder that is not one: ${JSON.stringify(prefix).slice(0, 80)}`);
    mounts[prefix] = dir;
  }
  return mounts;
}

/** sha256 of a mounts' page script: two sides whose pages are the same bytes can share a page. */
export async function pageScriptHash(mounts: PageMounts): Promise<string> {
  return createHash('sha256').update(await readFile(join(mounts['/']!, PAGE_SCRIPT))).digest('hex');
}
