/**
 * A small real git repository for the git-ref baseline tests: made in a
 * temporary folder with its files committed as "one" and an identity of its
 * own (the machine's git config may have none), and a `git` that runs there.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from './tmp.ts';

export interface GitRepo {
  dir: string;
  /** `git <args>` in the repository; its output, trimmed. */
  git: (...args: string[]) => string;
  /** Writes `files` (path relative to the repository → text), making their folders. */
  write: (files: Record<string, string>) => Promise<void>;
}

/** A repository whose first commit, "one", holds `files`. */
export async function gitRepo(prefix: string, files: Record<string, string>): Promise<GitRepo> {
  const dir = await tempDir(prefix);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  const write = async (entries: Record<string, string>) => {
    for (const [path, text] of Object.entries(entries)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
  };
  git('init', '--quiet');
  git('config', 'user.email', 'test@example.invalid');
  git('config', 'user.name', 'test');
  await write(files);
  git('add', '.');
  git('commit', '--quiet', '-m', 'one');
  return { dir, git, write };
}
