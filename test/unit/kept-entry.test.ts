/**
 * Entries kept between runs: read only when whole, of their schema, within
 * their bound and not through a link; stamps that notice a changed input.
 */
import assert from 'node:assert/strict';
import { readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { keepEntry, readKeptEntry, stampFiles, stampsCurrent } from '../../harness/core/kept-entry.ts';
import { tempDir } from '../helpers/tmp.ts';

const schema = z.strictObject({ value: z.number() });

test('a kept entry is read back; anything else is no entry', async () => {
  const dir = await tempDir('kept-entry');
  const path = join(dir, 'entry.json');
  keepEntry(path, { value: 3 });
  assert.deepEqual(readKeptEntry(path, schema, 1000), { value: 3 });
  assert.equal((await stat(path)).mode & 0o777, 0o600, 'readable by this user only');

  assert.equal(readKeptEntry(path, schema, 5), undefined, 'past its bound');
  assert.equal(readKeptEntry(join(dir, 'missing.json'), schema, 1000), undefined);
  await writeFile(join(dir, 'other.json'), JSON.stringify({ value: 'three' }));
  assert.equal(readKeptEntry(join(dir, 'other.json'), schema, 1000), undefined, 'not of the schema');
  await writeFile(join(dir, 'torn.json'), '{"value": 3');
  assert.equal(readKeptEntry(join(dir, 'torn.json'), schema, 1000), undefined, 'not JSON');
  await symlink(path, join(dir, 'link.json'));
  assert.equal(readKeptEntry(join(dir, 'link.json'), schema, 1000), undefined, 'a link is not followed');

  keepEntry(join(dir, 'no-such-folder', 'entry.json'), { value: 1 });
  assert.equal(JSON.parse(await readFile(path, 'utf8')).value, 3, 'a write that cannot happen throws nothing and touches nothing else');
});

test('stamps hold while each file keeps its size and modification time', async () => {
  const dir = await tempDir('kept-entry-stamps');
  const input = join(dir, 'input.txt');
  await writeFile(input, 'one');
  const stamps = await stampFiles([input, join(dir, 'missing.txt')]);
  assert.deepEqual(Object.keys(stamps), [input], 'a file that is not there is not stamped');
  assert.equal(await stampsCurrent(stamps), true);

  const later = new Date(Date.now() + 5000);
  await utimes(input, later, later);
  assert.equal(await stampsCurrent(stamps), false, 'touched');
  await writeFile(input, 'one');
  const again = await stampFiles([input]);
  await writeFile(input, 'three');
  await utimes(input, new Date(again[input]![1]), new Date(again[input]![1]));
  assert.equal(await stampsCurrent(again), false, 'same time, other size');
});
