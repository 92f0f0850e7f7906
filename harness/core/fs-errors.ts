/**
 * File-system errors a user can fix (a full disk, a folder they may not
 * write to, a file where a folder should be) as one line naming the path,
 * instead of a stack trace.
 */

const WHAT: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
};

const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  mkdtemp: 'create a folder in',
  rename: 'rename',
  copyfile: 'copy',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  scandir: 'list',
  opendir: 'list',
  stat: 'read',
  lstat: 'read',
  access: 'access',
  chmod: 'change the mode of',
};

/** True for a Node file-system error with one of the codes above. */
export function isFsError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in WHAT && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * `cannot write /x/run.json: no space left on the device (ENOSPC)`, or
 * undefined when `error` is not such an error.
 */
export function describeFsError(error: unknown): string | undefined {
  if (!isFsError(error)) return undefined;
  const verb = VERBS[error.syscall ?? ''] ?? 'use';
  const where = error.path ?? '(unknown path)';
  const dest = (error as { dest?: string }).dest;
  const to = dest ? ` → ${dest}` : '';
  return `cannot ${verb} ${where}${to}: ${WHAT[error.code]} (${error.code})`;
}
