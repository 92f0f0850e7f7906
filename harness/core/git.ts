/** The git commit a run measured, for the run record: which code the numbers belong to. */
import { spawnSync } from 'node:child_process';

/** The commit checked out in `cwd` and whether the tree has changes; undefined outside a repository or without git. */
export function gitInfo(cwd: string): { commit: string; dirty: boolean } | undefined {
  const git = (...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 10_000 });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0 || !head.stdout) return undefined;
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim().length > 0 : true };
}

/** The record's `git` field: present only inside a repository with git installed. */
export function recordGit(cwd: string): { git?: { commit: string; dirty: boolean } } {
  const git = gitInfo(cwd);
  return git ? { git } : {};
}
