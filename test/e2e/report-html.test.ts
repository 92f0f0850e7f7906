/**
 * The HTML report in headless Chromium: one browser for the file, a fresh
 * page per block (one test process and one launch where two files each paid
 * their own).
 *
 * - A real small run: a tiny backbone retrained on a small image root
 *   (test/helpers/retrained-tiny.ts, from the build cache: retraining it
 *   here, on a generated dataset, was most of this file's time), converted to
 *   .tflite, and benchmarked twice by the real Node target, its jobs in this
 *   process (the first run is the history of the second). The page must load from disk with no request
 *   and no console error, draw every chart, and show in its tables exactly
 *   the numbers of run.json.
 * - At a laptop's width (1366×768), from a record shaped like the default
 *   `bench all`'s (both models, every variant, host, Chromium and a software
 *   GPU, the retrain workload on each backend, earlier runs for the trend): no
 *   figure prints its unit twice ("11297 ms ms"), and in every chart no two
 *   labels (axis labels, category names, legend keys, axis names) are drawn
 *   over each other or outside the chart. The labels are read from the SVG
 *   ECharts draws, as the reader sees them; the tables fit the width without a
 *   sideways scroll.
 */
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { measurementId } from '../../harness/core/record.ts';
import type { BenchConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { RunRecord } from '../../harness/core/record.ts';
import { loadHistory } from '../../harness/history.ts';
import { runBenchmarks } from '../../harness/run.ts';
import { convertArtifacts } from '../../models/tflite/index.ts';
import type { ReportData } from '../../reports/data.ts';
import { writeHtmlReport } from '../../reports/html.ts';
import { fullReportRecord } from '../fixtures/full-report-record.ts';
import { nodeTargetProbedOnce } from '../helpers/node-target-once.ts';
import { TINY_BACKBONE, tinyRetrainConfig, tinyRetrainFixture } from '../helpers/retrained-tiny.ts';
import { tempDir } from '../helpers/tmp.ts';
import { playwrightChromiumArgs } from '../../targets/browser/launcher.ts';

let launching: Promise<Browser>;

// Launched while the first block's run is made, not before it: the report only needs the browser once it is written.
before(() => {
  launching = chromium.launch({
    executablePath: '/usr/bin/chromium',
    ...playwrightChromiumArgs(),
  });
  // Awaited (and its failure reported) by each block's setup.
  launching.catch(() => {});
});

after(async () => (await launching?.catch(() => undefined))?.close());

describe('the report of a real small run', () => {
  let root: string;
  let record: RunRecord;
  let reportPath: string;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    ({ out: root } = await tinyRetrainFixture('report-html'));
    const out = root;
    const run = { workloads: ['infer'], targets: ['node'], minSamples: 8, minTimeMs: 0, maxTimeMs: 1000, warmupIterations: 1, rounds: 1 } satisfies BenchConfig['run'];
    const config = tinyRetrainConfig(out, { convert: { variants: ['float32', 'int8'], calibrationImages: 8 }, run: { ...run, backends: ['tfjs-wasm', 'tflite-node'] } });
    const log = memoryLogger('quiet');
    // The agreement reference in this process rather than a worker of its own per run: what the report shows is the point.
    // The earlier run measures one key (a trend needs a key seen before), not all three: each job is a worker of its own.
    // It runs before the conversion, so with the same --backends only the Mobile artifact on tfjs-wasm is there to
    // measure, and both runs share one Node target whose runtimes are probed once (node-target-once.ts). Its probe and
    // jobs run in this process (the target's `isolate: false`): a worker each (five) measured the same numbers that
    // the report is checked against, and the report's tables and charts read run.json, however it was measured.
    const targets = nodeTargetProbedOnce({ isolate: false });
    await runBenchmarks({ config, log, out, referenceInProcess: true, targets });
    await convertArtifacts({ out, models: [TINY_BACKBONE], variants: config.convert.variants, calibrationImages: 8, io: 'float', log });
    const second = await runBenchmarks({ config, log, out, referenceInProcess: true, targets });
    record = JSON.parse(await readFile(second.recordPath, 'utf8')) as RunRecord;
    const formats = new Set(record.measurements.map((entry) => entry.key.format));
    assert.deepEqual([...formats].sort(), ['tfjs', 'tflite'], 'both paths measured');
    reportPath = await writeHtmlReport(record, { out, history: await loadHistory(out, record) });

    page = await (await launching).newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file://')) problems.push(`request: ${request.url()}`);
    });
    await page.goto(`file://${reportPath}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });

  after(async () => {
    await page?.context().close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('the report is one file under the run folder that loads with no request and no console error', async () => {
    assert.equal(reportPath, join(root, 'runs', record.runId, 'report.html'));
    assert.ok((await stat(reportPath)).size > 100_000, 'the viewer and ECharts are inlined');
    const html = await readFile(reportPath, 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i, 'no external script or stylesheet');
    assert.deepEqual(problems, []);
  });

  test('every chart is drawn: each chart box holds a non-empty SVG', async () => {
    const data = JSON.parse((await page.textContent('#report-data'))!) as ReportData;
    const boxes = await page.$$eval('[data-chart]', (elements) =>
      elements.map((element) => ({
        id: (element as HTMLElement).dataset.chart!,
        drawn: (element as HTMLElement).dataset.drawn === 'true',
        shapes: element.querySelectorAll('svg path, svg rect, svg circle').length,
        width: element.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      })),
    );
    assert.deepEqual(boxes.map((box) => box.id).sort(), data.charts.map((chart) => chart.id).sort(), 'one box per chart');
    const kinds = new Set(data.charts.map((chart) => chart.kind));
    for (const kind of ['box', 'bar', 'scatter', 'line', 'heatmap'] as const) assert.ok(kinds.has(kind), `a ${kind} chart`);
    assert.ok(data.charts.some((chart) => chart.id.includes('trend')), 'a trend chart over the earlier run');
    for (const box of boxes) {
      assert.ok(box.drawn, `${box.id} drawn`);
      assert.ok(box.shapes > 5, `${box.id} has shapes (${box.shapes})`);
      assert.ok(box.width > 100, `${box.id} has a width`);
    }
    assert.equal(Number(await page.getAttribute('body', 'data-charts-drawn')), data.charts.length);
    // The latency chart names every runtime measured on the host.
    const latencyText = await page.textContent(`[data-chart="${data.models[0]!.charts.latency[0]}"]`);
    for (const runtime of new Set(record.measurements.map((entry) => entry.key.runtime))) assert.ok(latencyText!.includes(runtime), `${runtime} in the box plot`);
  });

  /** Parses a formatted cell back: "12.3 ms", "1.23 MiB", "92.5%", "33.6/s". */
  function parseShown(text: string): number {
    const match = /^(-?[\d.]+(?:e-?\d+)?)\s*(ms|B|KiB|MiB|GiB|%|\/s)?$/.exec(text.trim());
    assert.ok(match, `unparseable cell "${text}"`);
    const value = Number(match[1]);
    const scale = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, '%': 0.01 }[match[2] as string] ?? 1;
    return value * scale;
  }

  test('the table cells equal the numbers in run.json', async () => {
    const cells = await page.$$eval('table.results tbody tr', (rows) =>
      rows.map((row) => ({
        key: (row as HTMLElement).dataset.key!,
        status: (row as HTMLElement).dataset.status!,
        cells: Object.fromEntries(
          [...row.querySelectorAll<HTMLElement>('[data-field]')].map((element) => [element.dataset.field!, { value: element.dataset.value!, text: element.textContent! }]),
        ) as Record<string, { value: string; text: string }>,
      })),
    );
    assert.equal(cells.length, record.measurements.length + record.failures.length, 'one row per measurement and failure');
    const artifacts = new Map(record.artifacts.map((artifact) => [artifact.id, artifact]));
    for (const measurement of record.measurements) {
      const row = cells.find((entry) => entry.key === measurementId(measurement));
      assert.ok(row, `row for ${measurementId(measurement)}`);
      assert.equal(row.status, 'measured');
      const expected: Record<string, number | null> = {
        batchSize: measurement.batchSize,
        sizeBytes: artifacts.get(measurement.artifact)!.bytes,
        gzipBytes: artifacts.get(measurement.artifact)!.gzipBytes,
        loadMs: measurement.loadMs,
        firstInferenceMs: measurement.firstInferenceMs,
        p50: measurement.latency.p50,
        p90: measurement.latency.p90,
        p99: measurement.latency.p99,
        throughput: measurement.throughput,
        accuracy: measurement.evaluation?.accuracy ?? null,
        agreement: measurement.evaluation?.agreement?.top1 ?? null,
        peakRssBytes: measurement.memory.peakRssBytes ?? null,
        runtimeBytes: measurement.memory.runtimeBytes ?? null,
      };
      for (const [field, value] of Object.entries(expected)) {
        const cell: { value: string; text: string } | undefined = row.cells[field];
        assert.ok(cell, `${field} cell`);
        if (value === null) {
          assert.equal(cell.value, '', `${field} empty`);
          continue;
        }
        assert.equal(Number(cell.value), value, `${row.key} ${field}: data-value`);
        // The text a person reads rounds the same number (three significant digits or one decimal).
        const shown = parseShown(cell.text);
        // Throughput under 100/s shows one decimal (5.86 reads "5.9/s"), whatever its size.
        const tolerance = field === 'accuracy' || field === 'agreement' ? 0.0005 : Math.max(Math.abs(value) * 0.006, field === 'throughput' ? 0.05 : 0.0006);
        assert.ok(Math.abs(shown - value) <= tolerance, `${row.key} ${field}: shows "${cell.text}" for ${value}`);
      }
      assert.equal(row.cells.runtime!.value.split(' ')[0], measurement.key.runtime);
      assert.equal(row.cells.device!.value, measurement.key.device);
    }
  });

  test('the summary compares the fastest options on the host in plain words', async () => {
    const sentence = await page.textContent('#summary li[data-device="host"]');
    assert.ok(sentence, 'a summary line for the host');
    const mobile = record.measurements.filter((entry) => entry.key.format === 'tfjs').sort((a, b) => a.latency.p50 - b.latency.p50)[0]!;
    const lite = record.measurements.filter((entry) => entry.key.format === 'tflite').sort((a, b) => a.latency.p50 - b.latency.p50)[0];
    assert.ok(lite, 'a Lite measurement');
    const ratio = mobile.latency.p50 / lite.latency.p50;
    const times = (value: number) => `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×`;
    if (Math.abs(ratio - 1) > 0.02) assert.ok(sentence.includes(ratio > 1 ? `${times(ratio)} faster` : `${times(1 / ratio)} slower`), `"${sentence}" gives the ratio ${ratio}`);
    assert.ok(sentence.includes(`the ${lite.key.variant} .tflite on ${lite.key.runtime}`), `"${sentence}" names the fastest Lite option`);
    assert.ok(sentence.includes(`than the TF.js model on ${mobile.key.runtime}`) || sentence.includes(`as the TF.js model on ${mobile.key.runtime}`), `"${sentence}" names the fastest Mobile option`);
  });

  test('clicking a column header sorts the table by that column', async () => {
    await page.click('table.results th[data-sort="p50"]');
    const ascending = await page.$$eval('table.results tbody tr [data-field="p50"]', (cells) => cells.map((cell) => (cell as HTMLElement).dataset.value!).filter(Boolean).map(Number));
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
    await page.click('table.results th[data-sort="p50"]');
    const descending = await page.$$eval('table.results tbody tr [data-field="p50"]', (cells) => cells.map((cell) => (cell as HTMLElement).dataset.value!).filter(Boolean).map(Number));
    assert.deepEqual(descending, [...ascending].reverse());
  });

  test('the environment, config and run details are shown', async () => {
    const environment = (await page.textContent('#environment'))!;
    assert.ok(environment.includes(record.host.cpu), 'host CPU');
    assert.ok(environment.includes(record.host.node), 'Node version');
    const config = JSON.parse((await page.textContent('#config pre'))!) as { run: { minSamples: number } };
    assert.equal(config.run.minSamples, 8);
    assert.ok((await page.textContent('header'))!.includes(record.runId));
  });
});

describe("the report at a laptop's width", () => {
  let root: string;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    root = await tempDir('report-laptop');
    const { record, history } = fullReportRecord();
    const path = await writeHtmlReport(record, { out: join(root, 'out'), history, path: join(root, 'report.html'), now: new Date(0) });
    page = await (await launching).newPage({ viewport: { width: 1366, height: 768 } });
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`file://${path}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  });

  after(async () => {
    await page?.context().close();
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
});
