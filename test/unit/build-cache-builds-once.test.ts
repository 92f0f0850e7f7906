/**
 * The e2e tier's build cache (test/helpers/build-cache.ts): a folder is built
 * once and then served, two asking at once build it once (the second waits
 * on the first's lock; the tier runs two files at once), a lock whose process
 * is gone is taken over, a build that throws leaves nothing behind, and other
 * inputs get another folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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

test('two builds at once: built once, both get the same complete folder, no half-built folder or lock is left', async () => {
  let builds = 0;
  const build = (label: string) => async (dir: string) => {
    builds++;
    await writeFile(`${dir}/part-1.txt`, label);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(`${dir}/part-2.txt`, label);
  };
  const [a, b] = await Promise.all([cached('unit-race', { run }, build('a')), cached('unit-race', { run }, build('b'))]);
  made.push(a);
  assert.equal(a, b);
  const parts = [await readFile(`${a}/part-1.txt`, 'utf8'), await readFile(`${a}/part-2.txt`, 'utf8')];
  assert.ok(parts[0] === parts[1], `one build's files, not a mix: ${parts.join(', ')}`);
  assert.equal(builds, 1, 'the second waited for the first build');
  assert.deepEqual(readdirSync(dirname(a)).filter((name) => name.startsWith(`${basename(a)}.`)), [], 'no building folder, lock or lock candidate left');
});

test('a lock left by a process that is gone (a tier stopped mid-build) is taken over', { timeout: 10_000 }, async () => {
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const dir = cachedPath('unit-stale-lock', { run });
  await mkdir(dirname(dir), { recursive: true });
  await writeFile(`${dir}.lock`, String(dead));
  made.push(dir, `${dir}.lock`);
  const served = await cached('unit-stale-lock', { run }, async (folder) => writeFile(`${folder}/artifact.txt`, 'made'));
  assert.equal(served, dir);
  assert.equal(await readFile(`${dir}/artifact.txt`, 'utf8'), 'made');
  assert.equal(existsSync(`${dir}.lock`), false, 'the lock is released after the build');
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
