/**
 * Importing a user's model first removes its old folder `<out>/models/<id>`;
 * with `<out>/models` planted as a link to another folder, the old code's
 * `rm -rf` deleted that folder's `<id>`. Now the import is refused with one
 * line naming the link, and the other folder keeps its files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../harness/core/errors.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { importUserModel } from '../../models/user-model.ts';
import { makeTinyArtifact } from '../fixtures/node-tiny-model.ts';
import { tempDir } from '../helpers/tmp.ts';

test('a user model import does not follow a planted models link to delete another folder', async () => {
  const root = await tempDir('user-model-models-link');
  try {
    const tiny = await makeTinyArtifact(join(root, 'source'));
    const other = join(root, 'other-project');
    mkdirSync(join(other, 'mine'), { recursive: true });
    writeFileSync(join(other, 'mine', 'keep.txt'), 'keep\n');
    const out = join(root, 'out');
    mkdirSync(out);
    symlinkSync(other, join(out, 'models'));
    await assert.rejects(
      importUserModel({ path: tiny.modelJsonPath, id: 'mine' }, { out, log: memoryLogger() }),
      (error: unknown) => error instanceof UserError && error.code === 'OUT_LINK' && !error.message.includes('\n') && error.message.includes(join(out, 'models')),
    );
    assert.equal(readFileSync(join(other, 'mine', 'keep.txt'), 'utf8'), 'keep\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
