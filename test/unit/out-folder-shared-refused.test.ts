/**
 * An out folder another user could write to (group- or world-writable, a
 * sticky /tmp-like folder, one owned by someone else, or a link someone
 * else owns) is refused with one line that says why and how to fix it; the
 * same folder closed with `chmod go-w` is used. A new out folder is made
 * 0755 even under a group-writable umask, so the next command accepts it.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { checkOutFolder } from '../../harness/out-folder.ts';
import { tempDir } from '../helpers/tmp.ts';

const unusable = (pattern: RegExp) => (error: unknown) => error instanceof UserError && error.code === 'OUT_UNUSABLE' && !error.message.includes('\n') && pattern.test(error.message);
const isRoot = process.getuid?.() === 0;

test('a group- or world-writable out folder is refused, for writers and readers, until chmod go-w', async () => {
  const root = await tempDir('out-shared');
  try {
    const out = join(root, 'shared');
    for (const mode of [0o775, 0o757, 0o1777]) {
      mkdirSync(out, { recursive: true });
      chmodSync(out, mode);
      const octal = mode.toString(8);
      assert.throws(() => checkOutFolder(out, { write: true, label: '--out' }), unusable(new RegExp(`^--out ${out} cannot be used: group or others may write to it \\(mode ${octal}\\).*chmod go-w ${out}`)), octal);
      assert.throws(() => checkOutFolder(out, { write: false }), unusable(/group or others may write to it/), octal);
    }
    chmodSync(out, 0o755);
    checkOutFolder(out, { write: true });
    checkOutFolder(out, { write: false });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("a folder that belongs to another user, or a link another user owns, is refused", { skip: !isRoot && 'needs root to give a folder away' }, async () => {
  const root = await tempDir('out-theirs');
  try {
    const theirs = join(root, 'theirs');
    mkdirSync(theirs, { mode: 0o755 });
    chownSync(theirs, 65534, 65534);
    assert.throws(() => checkOutFolder(theirs, { write: true }), unusable(/it belongs to uid 65534, not to you \(uid 0\)/));

    const mine = join(root, 'mine');
    mkdirSync(mine, { mode: 0o755 });
    const link = join(root, 'link');
    symlinkSync(mine, link);
    checkOutFolder(link, { write: true });
    lchownSync(link, 65534, 65534);
    assert.throws(() => checkOutFolder(link, { write: true }), unusable(/symbolic link owned by uid 65534/));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a new out folder is made 0755 whatever the umask lets through, and is then accepted', async () => {
  const root = await tempDir('out-new');
  const umask = process.umask(0o002);
  try {
    const out = join(root, 'a', 'b');
    checkOutFolder(out, { write: true });
    assert.equal(statSync(out).mode & 0o777, 0o755);
    checkOutFolder(out, { write: true });
  } finally {
    process.umask(umask);
    await rm(root, { recursive: true, force: true });
  }
});
