/**
 * Regenerates docs/report.png from a report: opens it in headless Chromium
 * at a laptop's width (1366×768, what the layout test holds the report to), waits for the charts, and writes a palette PNG.
 *
 *   node --import tsx docs/screenshot.ts <report.html> [docs/report.png]
 */
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import sharp from 'sharp';

const [reportArg, outputArg = 'docs/report.png'] = process.argv.slice(2);
if (!reportArg) {
  process.stderr.write('usage: node --import tsx docs/screenshot.ts <report.html> [docs/report.png]\n');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
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
