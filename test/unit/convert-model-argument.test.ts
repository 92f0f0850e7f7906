/**
 * `bench convert --model` takes a model.json (path or URL) or retrained
 * model ids; a folder, another kind of file or a path that does not exist
 * is a clear error naming it, not a model id with a confusing path.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { modelArgument } from '../../harness/commands/convert.ts';
import { UserError } from '../../harness/core/errors.ts';
import { tempDir } from '../helpers/tmp.ts';

test('model files and ids are told apart; folders, other files and missing paths are errors', async () => {
  const cwd = await tempDir('convert-argument');
  try {
    await mkdir(join(cwd, 'with-model'));
    await writeFile(join(cwd, 'with-model', 'model.json'), '{}');
    await mkdir(join(cwd, 'empty'));
    await writeFile(join(cwd, 'frozen.pb'), 'x');

    assert.deepEqual(modelArgument('with-model/model.json', cwd), { file: 'with-model/model.json' });
    assert.deepEqual(modelArgument('https://example.com/m/model.json', cwd), { file: 'https://example.com/m/model.json' });
    assert.deepEqual(modelArgument('mobilenet_v2,inception_v3', cwd), {}, 'ids');
    assert.deepEqual(modelArgument(undefined, cwd), {});

    const refused = (value: string, pattern: RegExp) =>
      assert.throws(() => modelArgument(value, cwd), (error: unknown) => error instanceof UserError && !error.message.includes('\n') && pattern.test(error.message), value);
    refused('with-model', /^--model with-model is a folder: pass the model\.json inside it \(--model with-model\/model\.json\)$/);
    refused('empty', /^--model empty is a folder, with no model\.json in it/);
    refused('frozen.pb', /^--model frozen\.pb is not a TF\.js model\.json/);
    refused('../../nowhere', /^--model \.\.\/\.\.\/nowhere: no such file/);
    refused('models/x', /no such file/);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
