/**
 * The report at a laptop's width (1366×768) in headless Chromium, from a
 * record shaped like the default `bench all`'s (both models, every variant,
 * host, Chromium and a software GPU, the retrain workload on each backend,
 * earlier runs for the trend): no figure prints its unit twice ("11297 ms
 * ms"), and in every chart no two labels (axis labels, category names,
 * legend keys, axis names) are drawn over each other or outside the chart.
 * The labels are read from the SVG ECharts draws, as the reader sees them;
 * the tables fit the width without a sideways scroll.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeHtmlReport } from '../../reports/html.ts';
import { fullReportRecord } from '../fixtures/full-report-record.ts';
import { tempDir } from '../helpers/tmp.ts';

let root: string;
let browser: Browser;
let page: Page;
const problems: string[] = [];

before(async () => {
  root = await tempDir('report-laptop');
  const { record, history } = fullReportRecord();
  const path = await writeHtmlReport(record, { out: join(root, 'out'), history, path: join(root, 'report.html'), now: new Date(0) });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`file://${path}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

test('every chart of the record is drawn, the retraining chart among them', async () => {
  assert.deepEqual(problems, []);
  const drawn = await page.$$eval('[data-chart]', (boxes) => boxes.map((box) => [(box as HTMLElement).dataset.chart, (box as HTMLElement).dataset.drawn]));
  assert.ok(drawn.length >= 15, `charts: ${drawn.length}`);
  assert.ok(drawn.some(([id]) => id === 'retraining-time'));
  for (const [id, state] of drawn) assert.equal(state, 'true', `${id} drawn`);
});

test('no text on the page, tables or charts, prints a unit twice', async () => {
  const texts = await page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement?.closest('script')) continue;
      out.push(node.textContent ?? '');
    }
    // A table cell's number and its unit may sit in different nodes: read each cell whole too.
    for (const cell of document.querySelectorAll('td, th')) out.push(cell.textContent ?? '');
    return out;
  });
  const doubled = texts.filter((text) => /(?<![A-Za-z])(ms|s|KiB|MiB|GiB|images\/s)\s+\1(?![A-Za-z/])|%\s*%/.test(text));
  assert.deepEqual(doubled, []);
  // The retraining section still names its figures with their units once.
  const cells = await page.$$eval('#retraining td', (elements) => elements.map((element) => element.textContent ?? ''));
  assert.ok(cells.some((cell) => /^\d+(\.\d+)? ms × 30$/.test(cell)), 'ms per step with its steps');
  assert.ok(cells.some((cell) => /^\d+(\.\d+)? s$/.test(cell)), 'time to retrain in seconds');
});

test('in every chart, no two labels overlap and none leaves the chart', async () => {
  const charts = await page.$$eval('[data-chart]', (boxes) =>
    boxes.map((box) => {
      const frame = box.getBoundingClientRect();
      const labels = [...box.querySelectorAll('svg text')]
        .map((element) => ({ text: element.textContent ?? '', rect: element.getBoundingClientRect(), style: getComputedStyle(element) }))
        .filter(({ text, rect, style }) => text.trim() !== '' && rect.width > 0 && rect.height > 0 && style.display !== 'none' && style.visibility !== 'hidden' && Number(style.opacity) > 0)
        .map(({ text, rect }) => ({ text, left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom }));
      return { id: (box as HTMLElement).dataset.chart!, frame: { left: frame.left, right: frame.right, top: frame.top, bottom: frame.bottom }, labels };
    }),
  );
  // Glyph boxes of neighbouring lines touch; more than 1.5 px both ways is text drawn over text.
  const slack = 1.5;
  const overlaps: string[] = [];
  const outside: string[] = [];
  for (const chart of charts) {
    assert.ok(chart.labels.length > 3, `${chart.id} has labels`);
    chart.labels.forEach((a, index) => {
      if (a.left < chart.frame.left - slack || a.right > chart.frame.right + slack || a.top < chart.frame.top - slack || a.bottom > chart.frame.bottom + slack) outside.push(`${chart.id}: "${a.text}"`);
      for (const b of chart.labels.slice(index + 1)) {
        const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (width > slack && height > slack) overlaps.push(`${chart.id}: "${a.text}" over "${b.text}"`);
      }
    });
  }
  assert.deepEqual(overlaps, [], 'labels drawn over each other');
  assert.deepEqual(outside, [], 'labels cut off at the chart edge');
});

test('every table fits the laptop\'s width: accuracy and memory on screen without scrolling sideways', async () => {
  const wide = await page.$$eval('.table-wrap', (wraps) => wraps.filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).map((wrap) => `${wrap.querySelector('table')?.className}: ${wrap.scrollWidth} px in ${wrap.clientWidth}`));
  assert.deepEqual(wide, []);
  const right = await page.$$eval('table.results th:last-child', (headers) => headers.map((header) => header.getBoundingClientRect().right));
  for (const edge of right) assert.ok(edge <= 1366, `last column ends at ${edge} px`);
});
