/**
 * Discovery on a machine without Firefox or WebKitGTK (a PATH without
 * firefox-esr, WebKitWebDriver and Xvfb, no DISPLAY): each engine comes back
 * missing with the Debian package line that installs it, whether the user
 * named it or not; with them on PATH each is found with its engine.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findBrowsers, findWebKitGtk } from '../../targets/browser/browsers.ts';
import { tempDir } from '../helpers/tmp.ts';

async function withEnv<T>(env: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

const NO_PLAYWRIGHT = { playwright: {} };

test('no Firefox or WebKit on PATH: each is missing with its install line', async () => {
  const empty = await tempDir('engines-missing');
  await withEnv({ PATH: empty, DISPLAY: undefined }, async () => {
    const all = await findBrowsers(NO_PLAYWRIGHT);
    assert.deepEqual(all.found.filter((candidate) => candidate.engine !== 'chromium'), []);
    const reasons = Object.fromEntries(all.missing.map((missing) => [missing.name, missing.reason]));
    assert.match(reasons.firefox ?? '', /apt-get install firefox-esr/);
    assert.match(reasons.webkit ?? '', /apt-get install webkit2gtk-driver xvfb/);
    const named = await findBrowsers({ ...NO_PLAYWRIGHT, wanted: ['firefox', 'webkit'] });
    assert.deepEqual(named.found, []);
    assert.deepEqual(named.missing.map((missing) => missing.reason), [reasons.firefox, reasons.webkit]);
  });
});

test('with them on PATH, Firefox and WebKitGTK are found with their engines', async () => {
  const bin = await tempDir('engines-found');
  const lib = join(bin, 'lib');
  await mkdir(lib);
  for (const file of [join(bin, 'firefox-esr'), join(bin, 'WebKitWebDriver'), join(bin, 'Xvfb'), join(lib, 'MiniBrowser')]) {
    await writeFile(file, '#!/bin/sh\n');
    await chmod(file, 0o755);
  }
  await withEnv({ PATH: bin, DISPLAY: undefined }, async () => {
    const search = await findBrowsers({ ...NO_PLAYWRIGHT, systemPaths: { webkitgtk: [join(lib, 'MiniBrowser')] } });
    const firefox = search.found.find((candidate) => candidate.engine === 'firefox');
    assert.equal(firefox?.executablePath, join(bin, 'firefox-esr'));
    const webkit = search.found.find((candidate) => candidate.engine === 'webkit');
    assert.equal(webkit?.driverPath, join(bin, 'WebKitWebDriver'));
    assert.deepEqual(search.missing, []);
    // No Xvfb and no display: MiniBrowser cannot be shown, so WebKit is not found.
    assert.equal(findWebKitGtk([join(lib, 'MiniBrowser')], { PATH: '/nonexistent' }), undefined);
  });
});
