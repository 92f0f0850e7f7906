/**
 * Each Firefox launch gets a profile of its own, seeded from the first-start
 * files a clean earlier launch of the same executable left as the template
 * (targets/browser/firefox-profile.ts): never its site data, never after an
 * unclean close, never across a changed executable, and never through a link
 * or past the size bound. Plain files stand in for what Firefox writes; the
 * real launches are browser-engine-killed's and browser-engines-tiny's.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserCandidate } from '../../targets/browser/browsers.ts';
import { newFirefoxProfile, type FirefoxProfile } from '../../targets/browser/firefox-profile.ts';

/** What a first start writes: its own caches and databases, and site data that must never reach the next launch. */
async function firstStart(profile: FirefoxProfile): Promise<void> {
  await mkdir(join(profile.dir, 'startupCache'), { recursive: true });
  await writeFile(join(profile.dir, 'startupCache', 'scriptCache.bin'), 'compiled scripts');
  await writeFile(join(profile.dir, 'compatibility.ini'), 'LastVersion=140.0\n');
  await writeFile(join(profile.dir, 'cert9.db'), 'certificates');
  await writeFile(join(profile.dir, 'places.sqlite'), 'history');
  await writeFile(join(profile.dir, 'cookies.sqlite'), 'cookies');
  await writeFile(join(profile.dir, 'prefs.js'), 'user_pref("x", 1);');
  await mkdir(join(profile.dir, 'cache2', 'entries'), { recursive: true });
  await writeFile(join(profile.dir, 'cache2', 'entries', 'page'), 'the page bundle');
  await mkdir(join(profile.dir, 'storage', 'default'), { recursive: true });
  await writeFile(join(profile.dir, 'storage', 'default', 'site'), 'site storage');
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort();
}

test('a Firefox profile starts from the first clean start\'s own files, and from nothing else', async () => {
  const root = await mkdtemp(join(tmpdir(), 'edgebench-ff-profile-'));
  try {
    const env = { XDG_CACHE_HOME: join(root, 'cache') };
    const executable = join(root, 'firefox');
    await writeFile(executable, '#!/bin/sh\n', { mode: 0o755 });
    const candidate = { name: 'firefox', engine: 'firefox', executablePath: executable, source: 'config' } as BrowserCandidate;

    // First launch: nothing to seed from. An unclean close (killed, crashed) keeps nothing.
    const crashed = await newFirefoxProfile(candidate, env);
    assert.equal(crashed.seeded, false);
    assert.deepEqual(await listing(crashed.dir), []);
    await firstStart(crashed);
    await crashed.dispose(false);
    assert.equal(existsSync(crashed.dir), false, 'the profile is removed');
    const afterCrash = await newFirefoxProfile(candidate, env);
    assert.equal(afterCrash.seeded, false, 'a killed Firefox leaves no template');

    // A clean close keeps the first-start files as the template; the next launch starts from them.
    await firstStart(afterCrash);
    await afterCrash.dispose(true);
    assert.equal(existsSync(afterCrash.dir), false);
    const seeded = await newFirefoxProfile(candidate, env);
    assert.equal(seeded.seeded, true);
    assert.deepEqual(await listing(seeded.dir), ['cert9.db', 'compatibility.ini', 'startupCache/scriptCache.bin']);
    assert.equal(await readFile(join(seeded.dir, 'startupCache', 'scriptCache.bin'), 'utf8'), 'compiled scripts');
    assert.notEqual(seeded.dir, afterCrash.dir, 'each launch has a profile of its own');
    // What a seeded launch writes is not kept: the template stays the first start's.
    await writeFile(join(seeded.dir, 'startupCache', 'scriptCache.bin'), 'a later start');
    await seeded.dispose(true);
    const again = await newFirefoxProfile(candidate, env);
    assert.equal(await readFile(join(again.dir, 'startupCache', 'scriptCache.bin'), 'utf8'), 'compiled scripts');
    await again.dispose(true);

    // The template lives in the private cache, closed to others.
    const templates = join(root, 'cache', 'edgebench', 'firefox-profile');
    assert.equal((await stat(templates)).mode & 0o077, 0, 'the template folder is the user\'s alone');
    const [template] = await readdir(templates);
    const templateFiles = join(templates, template!, 'files');

    // A link planted in the template (to a file elsewhere) means no seeding at all.
    await writeFile(join(root, 'elsewhere'), 'not Firefox\'s');
    await symlink(join(root, 'elsewhere'), join(templateFiles, 'startupCache', 'planted.bin'));
    const linked = await newFirefoxProfile(candidate, env);
    assert.equal(linked.seeded, false);
    assert.deepEqual(await listing(linked.dir), []);
    await linked.dispose(false);
    await rm(join(templateFiles, 'startupCache', 'planted.bin'));

    // Past the size bound: not copied.
    await truncate(join(templateFiles, 'cert9.db'), 300 * 1024 * 1024);
    const huge = await newFirefoxProfile(candidate, env);
    assert.equal(huge.seeded, false);
    await huge.dispose(false);
    await writeFile(join(templateFiles, 'cert9.db'), 'certificates');

    // Another Firefox at the same path (upgraded in place): unseeded, and its clean close replaces the template.
    const seededBefore = await newFirefoxProfile(candidate, env);
    assert.equal(seededBefore.seeded, true);
    await seededBefore.dispose(false);
    await appendFile(executable, '# upgraded\n');
    const upgraded = await newFirefoxProfile(candidate, env);
    assert.equal(upgraded.seeded, false);
    await mkdir(join(upgraded.dir, 'startupCache'));
    await writeFile(join(upgraded.dir, 'startupCache', 'scriptCache.bin'), 'the new build\'s scripts');
    await upgraded.dispose(true);
    const afterUpgrade = await newFirefoxProfile(candidate, env);
    assert.equal(afterUpgrade.seeded, true);
    assert.deepEqual(await listing(afterUpgrade.dir), ['startupCache/scriptCache.bin']);
    assert.equal(await readFile(join(afterUpgrade.dir, 'startupCache', 'scriptCache.bin'), 'utf8'), 'the new build\'s scripts');
    await afterUpgrade.dispose(true);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
