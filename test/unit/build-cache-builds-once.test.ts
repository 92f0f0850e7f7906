/**
 * The e2e tier's build cache (test/helpers/build-cache.ts): a folder is built
 * once and then served, two builds racing both get the one complete folder, a
 * build that throws leaves nothing behind, and other inputs get another folder.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { after, test } from 'node:test';
import { cached, cachedPath } from '../helpers/build-cache.ts';

const run = randomUUID();
const made: string[] = [];
after(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

test('built once, then served from disk', async () => {
  let builds = 0;
  const build = async (dir: string) => {
    builds++;
    await writeFile(`${dir}/artifact.txt`, 'made');
  };
  const first = await cached('unit-once', { run }, build);
  made.push(first);
  const second = await cached('unit-once', { run }, build);
  assert.equal(second, first);
  assert.equal(builds, 1);
  assert.equal(await readFile(`${first}/artifact.txt`, 'utf8'), 'made');
  assert.equal(first, cachedPath('unit-once', { run }));
  assert.notEqual(cachedPath('unit-once', { run, other: 1 }), first, 'other inputs, another folder');
});

test('two builds at once: both get the same complete folder, no half-built folder is left', async () => {
  const build = (label: string) => async (dir: string) => {
    await writeFile(`${dir}/part-1.txt`, label);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(`${dir}/part-2.txt`, label);
  };
  const [a, b] = await Promise.all([cached('unit-race', { run }, build('a')), cached('unit-race', { run }, build('b'))]);
  made.push(a);
  assert.equal(a, b);
  const parts = [await readFile(`${a}/part-1.txt`, 'utf8'), await readFile(`${a}/part-2.txt`, 'utf8')];
  assert.ok(parts[0] === parts[1], `one build's files, not a mix: ${parts.join(', ')}`);
  assert.deepEqual(readdirSync(dirname(a)).filter((name) => name.startsWith(`${basename(a)}.building-`)), []);
});

test('a build that throws leaves nothing, and the next call builds again', async () => {
  await assert.rejects(
    cached('unit-throws', { run }, async (dir) => {
      await writeFile(`${dir}/half.txt`, 'half');
      throw new Error('build failed');
    }),
    /build failed/,
  );
  const dir = cachedPath('unit-throws', { run });
  assert.equal(existsSync(dir), false);
  assert.deepEqual(readdirSync(dirname(dir)).filter((name) => name.startsWith(`${basename(dir)}.building-`)), []);
  made.push(await cached('unit-throws', { run }, async (folder) => writeFile(`${folder}/whole.txt`, 'whole')));
  assert.equal(await readFile(`${dir}/whole.txt`, 'utf8'), 'whole');
});
