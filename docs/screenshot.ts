/**
 * Regenerates docs/report.png from a report: opens it in headless Chromium
 * at a laptop's width (1366×768, what the layout test holds the report to), waits for the charts, and writes a palette PNG.
 *
 *   node --import tsx docs/screenshot.ts <report.html> [docs/report.png]
 */
import { resolve } from 'node:path';
import sharp from 'sharp';
import { findBrowsers } from '../targets/browser/browsers.ts';
import { launchBrowser } from '../targets/browser/launcher.ts';

const [reportArg, outputArg = 'docs/report.png'] = process.argv.slice(2);
if (!reportArg) {
  process.stderr.write('usage: node --import tsx docs/screenshot.ts <report.html> [docs/report.png]\n');
  process.exit(2);
}
// The Chromium the browser target would find, launched as it launches one.
const chromium = (await findBrowsers({ wanted: ['chromium'] })).found.find((candidate) => candidate.engine === 'chromium');
if (!chromium) {
  process.stderr.write('no Chromium here: `bench devices` says what to install\n');
  process.exit(2);
}
const browser = await launchBrowser(chromium);
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`file://${resolve(reportArg)}`);
  await page.waitForSelector('body[data-ready="true"]');
  if (problems.length) throw new Error(`the report logged errors:\n${problems.join('\n')}`);
  const png = await page.screenshot({ fullPage: true });
  await sharp(png).png({ palette: true, quality: 90, compressionLevel: 9 }).toFile(outputArg);
  process.stderr.write(`wrote ${outputArg}\n`);
} finally {
  await browser.close();
}
