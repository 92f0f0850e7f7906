/**
 * `npm run benchmark:firefox-launch`: in one run, side by side, a Firefox
 * launch with a profile seeded from the template (targets/browser/firefox-profile.ts)
 * vs one in an empty profile, as every launch was before: launch, one page,
 * close, through the real source the browser target uses. Pairs alternate
 * which goes first; the empty-profile side gets a fresh private cache each
 * time, so it also pays for keeping a template, as a first launch does.
 *
 *   BENCH_PAIRS=8 npm run benchmark:firefox-launch
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { findBrowsers } from '../../targets/browser/browsers.ts';
import { firefoxBrowser } from '../../targets/browser/firefox.ts';

const pairs = Number(process.env.BENCH_PAIRS ?? 4);
const search = await findBrowsers({ wanted: ['firefox'] });
const candidate = search.found.find((found) => found.engine === 'firefox');
if (!candidate) {
  console.error(`no Firefox here: ${search.missing.map((missing) => missing.reason).join('; ') || 'not found'}`);
  process.exit(2);
}
const root = await mkdtemp(join(tmpdir(), 'edgebench-firefox-bench-'));
const kept = join(root, 'kept');
const source = firefoxBrowser(candidate);

/** Milliseconds from launch to a closed browser, with one page loaded, the private cache at `cacheHome`. */
async function launchOnce(cacheHome: string): Promise<number> {
  process.env.XDG_CACHE_HOME = cacheHome;
  const started = performance.now();
  const browser = await source.open();
  const page = await browser.newPage();
  await page.goto('data:text/html,<p>edgebench</p>');
  await source.release(browser);
  return performance.now() - started;
}

try {
  // The template the seeded side starts from, made as a user's first launch makes it.
  await launchOnce(kept);
  const seeded: number[] = [];
  const empty: number[] = [];
  for (let pair = 0; pair < pairs; pair += 1) {
    const fresh = join(root, `fresh-${pair}`);
    const order = pair % 2 === 0 ? ['seeded', 'empty'] : ['empty', 'seeded'];
    for (const side of order) {
      if (side === 'seeded') seeded.push(await launchOnce(kept));
      else empty.push(await launchOnce(fresh));
    }
    process.stderr.write(`pair ${pair + 1}/${pairs}\n`);
  }
  const line = (name: string, values: number[]) => `${name.padEnd(14)} median ${(median(values) / 1000).toFixed(2)} s  (${values.map((value) => (value / 1000).toFixed(2)).join(', ')})`;
  console.log(`${candidate.name} (${candidate.executablePath}), ${pairs} pairs, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores`);
  console.log(line('empty profile', empty));
  console.log(line('seeded', seeded));
  console.log(`seeded / empty: ${(median(seeded) / median(empty)).toFixed(2)}`);
} finally {
  await rm(root, { recursive: true, force: true });
}
