/**
 * Removing a model folder (`<out>/models/<id>`, before a user's model is
 * imported again) removes only a real folder inside the out folder: a
 * planted `models` link, a link at the model's place, a file there or a
 * path outside the out folder is refused with one line and nothing is
 * removed. The audit's reproduction: `<out>/models -> <another folder>`
 * made the old `rm -rf` delete that folder's `<id>`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { modelDir } from '../../harness/core/layout.ts';
import { removeFolderInside } from '../../harness/core/safe-fs.ts';
import { tempDir } from '../helpers/tmp.ts';

const refused = (pattern: RegExp) => (error: unknown) => error instanceof UserError && !error.message.includes('\n') && pattern.test(error.message);

/** Another folder of the user's with a `mine/keep.txt` in it, as a model folder would be. */
function victim(root: string): string {
  const folder = join(root, 'other-project');
  mkdirSync(join(folder, 'mine'), { recursive: true });
  writeFileSync(join(folder, 'mine', 'keep.txt'), 'keep\n');
  return folder;
}

test('a models folder that is a link is not followed', async () => {
  const root = await tempDir('rm-models-link');
  try {
    const out = join(root, 'out');
    mkdirSync(out);
    const other = victim(root);
    symlinkSync(other, join(out, 'models'));
    assert.throws(() => removeFolderInside(out, modelDir(out, 'mine')), refused(/models is a symbolic link inside .*does not follow links/));
    assert.equal(readFileSync(join(other, 'mine', 'keep.txt'), 'utf8'), 'keep\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a model folder that is a link, or a file, is refused and left as it is', async () => {
  const root = await tempDir('rm-model-link');
  try {
    const out = join(root, 'out');
    mkdirSync(join(out, 'models'), { recursive: true });
    const other = victim(root);
    symlinkSync(join(other, 'mine'), modelDir(out, 'mine'));
    assert.throws(() => removeFolderInside(out, modelDir(out, 'mine')), refused(/mine is a symbolic link, not a folder edgebench made/));
    assert.ok(existsSync(modelDir(out, 'mine')), 'the link itself is left for the user to look at');
    assert.equal(readFileSync(join(other, 'mine', 'keep.txt'), 'utf8'), 'keep\n');

    writeFileSync(modelDir(out, 'file'), 'a file');
    assert.throws(() => removeFolderInside(out, modelDir(out, 'file')), refused(/file is not a folder edgebench made/));
    assert.ok(existsSync(modelDir(out, 'file')));

    assert.throws(() => removeFolderInside(out, join(other, 'mine')), (error: unknown) => error instanceof UserError && error.code === 'PATH_OUTSIDE');
    assert.throws(() => removeFolderInside(out, out), (error: unknown) => error instanceof UserError && error.code === 'PATH_OUTSIDE');
    assert.ok(existsSync(join(other, 'mine', 'keep.txt')));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a real model folder is removed with its contents, a link inside it unlinked and not followed; a missing one is fine', async () => {
  const root = await tempDir('rm-model-real');
  try {
    const out = join(root, 'out');
    const other = victim(root);
    const dir = modelDir(out, 'mine');
    mkdirSync(join(dir, 'mobile'), { recursive: true });
    writeFileSync(join(dir, 'mobile', 'model.json'), '{}');
    symlinkSync(other, join(dir, 'planted'));
    removeFolderInside(out, dir);
    assert.ok(!existsSync(dir));
    assert.equal(readFileSync(join(other, 'mine', 'keep.txt'), 'utf8'), 'keep\n');
    removeFolderInside(out, dir);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
