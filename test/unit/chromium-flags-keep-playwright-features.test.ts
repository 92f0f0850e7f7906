/**
 * Chromium reads only the last `--disable-features` on its command line, and
 * Playwright passes its own list: the launcher's one switch must carry
 * Playwright's features as well as ours, and Playwright's switch must be the
 * one left out. The list is read from the installed playwright-core, so an
 * upgrade that changes it fails here instead of silently turning Playwright's
 * features back on (HttpsUpgrades, PaintHolding, ...).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { test } from 'node:test';
import type { BrowserCandidate } from '../../targets/browser/browsers.ts';
import { CHROMIUM_FLAGS, launchOptionsFor, PLAYWRIGHT_DISABLED_FEATURES } from '../../targets/browser/launcher.ts';

/** The `disabledFeatures` array of playwright-core's chromiumSwitches, read from its bundle. */
function installedPlaywrightDisabledFeatures(): string[] {
  const core = dirname(createRequire(import.meta.url).resolve('playwright-core/package.json'));
  const source = readFileSync(join(core, 'lib', 'coreBundle.js'), 'utf8');
  const array = /\bdisabledFeatures = \[([^\]]*)\]/.exec(source);
  assert.ok(array, "playwright-core's chromiumSwitches has no `disabledFeatures = [...]`: read how this Playwright disables features");
  const withoutComments = array[1]!.replace(/\/\/[^\n]*/g, '');
  return [...withoutComments.matchAll(/"([^"]*)"|'([^']*)'/g)].map((match) => match[1] ?? match[2]!);
}

const chromium: BrowserCandidate = { engine: 'chromium', name: 'chromium', executablePath: '/usr/bin/chromium' } as BrowserCandidate;
const switches = (args: readonly string[]) => args.filter((arg) => arg.startsWith('--disable-features='));
const features = (flag: string) => flag.slice('--disable-features='.length).split(',');

test("the launcher's copy of Playwright's disabled features is the installed Playwright's", () => {
  assert.deepEqual([...PLAYWRIGHT_DISABLED_FEATURES], installedPlaywrightDisabledFeatures());
});

test('a Playwright launch passes one --disable-features with both lists and leaves out exactly Playwright\'s own switch', () => {
  const options = launchOptionsFor(chromium, { args: ['--lang=en'] });
  const [only, ...more] = switches(options.args ?? []);
  assert.equal(more.length, 0, `one --disable-features, not ${more.length + 1}`);
  for (const feature of [...PLAYWRIGHT_DISABLED_FEATURES, 'WebUIOmniboxPopup', 'SpareRendererForSitePerProcess']) assert.ok(features(only!).includes(feature), `${feature} is not disabled`);
  assert.deepEqual(options.ignoreDefaultArgs, [`--disable-features=${installedPlaywrightDisabledFeatures().join(',')}`]);
  assert.equal(options.args?.at(-1), '--lang=en', "the config's browser.args come last");
});

test('a launcher that adds no flags of its own (chromedriver, a phone stand-in) gets our features alone', () => {
  const [only, ...more] = switches(CHROMIUM_FLAGS);
  assert.equal(more.length, 0);
  assert.deepEqual(features(only!), ['WebUIOmniboxPopup', 'WebUIOmniboxAimPopup', 'SpareRendererForSitePerProcess']);
});
