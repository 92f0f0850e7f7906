/**
 * A per-user cache folder that no other local user can write into, for files
 * the harness later executes or loads as code (the XNNPACK delegate plugin).
 *
 * `$XDG_CACHE_HOME/edgebench/<name>`, else `~/.cache/edgebench/<name>`
 * (`~/Library/Caches` on macOS), else, when the home folder cannot be used,
 * `<tmp>/edgebench-<uid>/<name>`. Whatever the place, the folder is used only
 * when it is a real folder (not a symbolic link), owned by this user, and
 * not writable by group or others (it is made 0700; one of ours that is more
 * open is closed down). Files in it are trusted only under the same rules
 * (`checkPrivateFile`).
 */
import { chmodSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The uid files must belong to; undefined where the platform has none (Windows: no checks possible). */
function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Why `info` (an lstat) is not safe to trust as ours, or null when it is. */
function problemWith(info: Stats, kind: 'folder' | 'file'): string | null {
  if (info.isSymbolicLink()) return 'it is a symbolic link';
  if (kind === 'folder' ? !info.isDirectory() : !info.isFile()) return `it is not a ${kind === 'folder' ? 'folder' : 'regular file'}`;
  const uid = currentUid();
  if (uid !== undefined && info.uid !== uid) return `it belongs to uid ${info.uid}, not to you (uid ${uid})`;
  return null;
}

/** Candidate roots, best first. */
function cacheRoots(env: NodeJS.ProcessEnv): string[] {
  const roots: string[] = [];
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) roots.push(join(env.XDG_CACHE_HOME, 'edgebench'));
  let home: string | undefined;
  try {
    home = homedir();
  } catch {
    home = undefined;
  }
  if (home && isAbsolute(home)) roots.push(process.platform === 'darwin' ? join(home, 'Library', 'Caches', 'edgebench') : join(home, '.cache', 'edgebench'));
  roots.push(join(tmpdir(), `edgebench-${currentUid() ?? 'user'}`));
  return roots;
}

/**
 * Makes (or checks) `dir` as a private folder: created 0700, a real folder,
 * ours, closed to group and others. Throws an Error saying why not.
 */
export function ensurePrivateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  const problem = problemWith(info, 'folder');
  if (problem) throw new Error(`${dir} cannot hold private files: ${problem}`);
  // Ours but open to others (made by an older version, or by hand): close it.
  if ((info.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

export type PrivateDir = { dir: string } | { reason: string };

/** The first usable private cache folder for `name`, or why none is. */
export function privateCacheDir(name: string, env: NodeJS.ProcessEnv = process.env): PrivateDir {
  const refused: string[] = [];
  for (const root of cacheRoots(env)) {
    try {
      ensurePrivateDir(root);
      return { dir: ensurePrivateDir(join(root, name)) };
    } catch (error) {
      refused.push((error as Error).message.split('\n')[0]!);
    }
  }
  return { reason: `no private cache folder: ${refused.join('; ')}` };
}

/**
 * Why the file at `path` must not be trusted (a link, another owner, group
 * or others may write it), or null when it is a regular file of ours that
 * only we can change. A missing file throws ENOENT.
 */
export function privateFileProblem(path: string): string | null {
  const info = lstatSync(path);
  const problem = problemWith(info, 'file');
  if (problem) return problem;
  if ((info.mode & 0o022) !== 0) return `group or others may write it (mode ${(info.mode & 0o777).toString(8)})`;
  return null;
}
