/**
 * A runtime's download size is measured once and kept in the private cache
 * (targets/page/sizes-cache.ts): a later run is served the kept entry while
 * every file the measurement read is unchanged, and measures again when one
 * has changed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runtimeSizes } from '../../targets/page/index.ts';
import { tempDir } from '../helpers/tmp.ts';

let cacheHome: string;
const saved = process.env.XDG_CACHE_HOME;
before(async () => {
  cacheHome = await tempDir('runtime-sizes-cache');
  process.env.XDG_CACHE_HOME = cacheHome;
});
after(async () => {
  if (saved === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = saved;
  await rm(cacheHome, { recursive: true, force: true });
});

interface Entry {
  size: { bytes: number };
  inputs: Record<string, [number, number]>;
}

test('kept while its inputs are unchanged, measured again when one changes', async () => {
  const [fresh] = await runtimeSizes({ runtimes: ['tfjs-cpu'], cache: false });
  const [first] = await runtimeSizes({ runtimes: ['tfjs-cpu'] });
  assert.deepEqual(first, fresh, 'the first run measures, as without the cache');

  const folder = join(cacheHome, 'edgebench', 'runtime-sizes');
  const files = readdirSync(folder).filter((name) => name.endsWith('.json'));
  assert.equal(files.length, 1, 'one entry for one runtime');
  const path = join(folder, files[0]!);
  const entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
  const inputs = Object.keys(entry.inputs);
  assert.ok(inputs.some((input) => input.includes(join('@tensorflow', 'tfjs-backend-cpu'))), 'the bundled sources are its inputs');

  // A marked entry shows where the answer comes from: served while the inputs are as recorded.
  writeFileSync(path, JSON.stringify({ ...entry, size: { ...entry.size, bytes: 1 } }));
  const [kept] = await runtimeSizes({ runtimes: ['tfjs-cpu'] });
  assert.equal(kept!.bytes, 1, 'served from the cache');

  // One input recorded with another modification time, as after an upgrade: measured again.
  const [input] = inputs;
  const stale = { ...entry, size: { ...entry.size, bytes: 1 }, inputs: { ...entry.inputs, [input!]: [entry.inputs[input!]![0], 0] } };
  writeFileSync(path, JSON.stringify(stale));
  const [again] = await runtimeSizes({ runtimes: ['tfjs-cpu'] });
  assert.deepEqual(again, fresh);
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as Entry).size.bytes, fresh!.bytes, 'the new measurement replaced the entry');

  // An entry that does not parse is measured over, not an error.
  writeFileSync(path, '{ not json');
  assert.deepEqual((await runtimeSizes({ runtimes: ['tfjs-cpu'] }))[0], fresh);
});
