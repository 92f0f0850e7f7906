/**
 * The one-file HTML report: static markup for everything that is text
 * (summary, tables, environment, failures, config), the report data embedded
 * as JSON, and the bundled viewer inlined to draw the charts. No external
 * requests: it opens offline from disk.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DeviceInfo, RunRecord } from '../harness/core/record.ts';
import { runDir } from '../harness/core/layout.ts';
import { viewerScript } from './bundle.ts';
import { abSection, latestAbVerdict } from './ab-html.ts';
import { artifactLabel, buildReportData, type ModelReport, type ReportData } from './data.ts';
import { formatDuration, type RetrainRow } from './retraining.ts';
import { enginesHtml } from './engines.ts';
import { runtimeName, type TableRow } from './table-row.ts';
import { formatGflops } from '../harness/core/profile.ts';
import { profileSectionHtml } from './profile.ts';
import { count, formatBytes, formatDate, formatMs, formatPercent, formatSmall, formatThroughput } from '../harness/core/format.ts';
import { escapeHtml } from './escape.ts';
import { chartHeight } from './chart-layout.ts';
import { energySection } from './energy-html.ts';
import { assertNoLinkBetween, writeFileAtomic } from '../harness/core/safe-fs.ts';

/** Markup that is already safe; everything else interpolated into `html` is escaped. */
class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Safe | string | number | null | undefined | false | Part[];


function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (Array.isArray(part)) return part.map(render).join('');
  if (part instanceof Safe) return part.value;
  return escapeHtml(String(part));
}

function html(strings: TemplateStringsArray, ...values: Part[]): Safe {
  return new Safe(strings.reduce((out, text, index) => out + text + (index < values.length ? render(values[index]!) : ''), ''));
}

interface Column {
  field: string;
  title: string;
  type: 'number' | 'text';
  /** Raw value kept in data-value (sorting, tests); null for an empty cell. */
  value(row: TableRow): number | string | null;
  text(row: TableRow): string;
  hint?: string;
}

const num = (field: keyof TableRow, title: string, format: (value: number) => string, hint?: string): Column => ({
  field,
  title,
  type: 'number',
  value: (row) => row[field] as number | null,
  text: (row) => (row[field] === null ? '–' : format(row[field] as number)),
  ...(hint ? { hint } : {}),
});

/** Columns present for failed rows too (the rest is replaced by the error). */
const KEY_COLUMNS: Column[] = [
  { field: 'artifact', title: 'format / variant', type: 'text', value: (row) => `${row.format}/${row.variant}`, text: (row) => artifactLabel(row.format, row.variant) },
  { field: 'target', title: 'target', type: 'text', value: (row) => row.target, text: (row) => row.target },
  { field: 'device', title: 'device', type: 'text', value: (row) => row.device, text: (row) => row.deviceName },
  { field: 'runtime', title: 'runtime', type: 'text', value: (row) => `${row.runtime}${row.options ? ` ${row.options}` : ''}`, text: (row) => `${runtimeName(row)}${row.options ? ` (${row.options})` : ''}` },
  num('batchSize', 'batch', (value) => String(value)),
  num('sizeBytes', 'size', formatBytes, 'every file a runtime downloads for this artifact'),
  num('gzipBytes', 'gzip', formatBytes, 'the same files gzip-compressed (what travels over HTTP)'),
];

const MEASURE_COLUMNS: Column[] = [
  num('loadMs', 'load', formatMs, 'fetch + parse + compile the model'),
  num('firstInferenceMs', 'first inference', formatMs, 'includes one-off kernel compilation and warm-up of the runtime'),
  num('p50', 'p50', formatMs, 'median latency of one inference'),
  num('p90', 'p90', formatMs),
  num('p99', 'p99', formatMs),
  {
    field: 'roundNoise',
    title: 'noise',
    type: 'number',
    value: (row) => row.roundNoise,
    text: (row) => formatNoise(row),
    hint: 'spread of the round medians (each round a fresh process or page) in this run, and from run to run over the earlier runs on this machine: what bench compare holds a change against',
  },
  num('throughput', 'throughput', formatThroughput, 'images per second: batch / mean latency'),
  num('gflops', 'GFLOP/s', formatGflops, 'achieved GFLOP/s: the model\'s FLOPs (multiply-adds × 2) × batch / p50'),
  num('accuracy', 'accuracy', formatPercent, 'top-1 accuracy on the evaluation pack'),
  num('agreement', 'agreement', formatPercent, 'top-1 agreement with the reference (the Mobile model on the fastest float32 TF.js engine of the host)'),
  num('peakRssBytes', 'peak RSS', formatBytes, 'peak resident memory of the process running the job'),
  num('runtimeBytes', 'runtime memory', formatBytes, 'bytes the runtime reports holding (tensors, buffers)'),
];

/** "±1.2% · runs ±3.4%": between rounds, then run to run where known. */
function formatNoise(row: TableRow): string {
  const rounds = row.roundNoise === null ? (row.rounds === 1 ? '1 round' : '–') : `±${(row.roundNoise * 100).toFixed(1)}%`;
  return row.runNoise === null ? rounds : `${rounds} · runs ±${(row.runNoise * 100).toFixed(1)}%`;
}

function cell(column: Column, row: TableRow): Safe {
  const value = column.value(row);
  const extra =
    column.field === 'agreement' && row.maxAbsDiff !== null
      ? ` title="max |Δp| ${escapeHtml(formatSmall(row.maxAbsDiff))}"`
      : column.field === 'device'
        ? ` title="${escapeHtml(row.device)}"`
        : column.field === 'roundNoise' && row.rounds !== null
          ? ` title="${escapeHtml(`${row.rounds} round${row.rounds === 1 ? '' : 's'}${row.noiseRuns ? `; run to run over ${row.noiseRuns} runs on this machine` : ''}`)}"`
          : '';
  return new Safe(
    `<td data-field="${column.field}" data-value="${value === null ? '' : escapeHtml(String(value))}"${column.type === 'number' ? ' class="num"' : ''}${extra}>${escapeHtml(column.text(row))}</td>`,
  );
}

function table(model: ModelReport): Safe {
  const columns = [...KEY_COLUMNS, ...MEASURE_COLUMNS];
  const header = columns.map(
    (column) => html`<th data-sort="${column.field}" data-type="${column.type}" ${column.hint ? html`title="${column.hint}"` : ''} class="${column.type === 'number' ? 'num' : ''}">${column.title}</th>`,
  );
  const rows = model.rows.map((row) =>
    row.status === 'measured'
      ? html`<tr data-key="${row.id}" data-status="measured">${columns.map((column) => cell(column, row))}</tr>`
      : html`<tr data-key="${row.id}" data-status="failed" class="failed">${KEY_COLUMNS.map((column) => cell(column, row))}<td colspan="${MEASURE_COLUMNS.length}" class="error">failed in ${row.error!.phase}: ${row.error!.name}: ${row.error!.message}</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="sortable results" data-model="${model.model}"><thead><tr>${header}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function chartBox(id: string | null, title: string | undefined, height: number): Safe | '' {
  if (!id) return '';
  return html`<figure class="chart"><figcaption>${title ?? ''}</figcaption><div data-chart="${id}" style="height:${height}px"></div></figure>`;
}

function modelSection(model: ModelReport, data: ReportData): Safe {
  const titles = new Map(data.charts.map((chart) => [chart.id, chart.title]));
  const box = (id: string | null) => chartBox(id, id ? titles.get(id) : undefined, chartHeight(data.charts.find((spec) => spec.id === id)));
  const training = model.training;
  return html`<section class="model" id="model-${model.model}">
<h2>${model.model}${training ? html` <small>retrained from ${training.backbone}, ${training.classNames.length} classes, test accuracy ${formatPercent(training.testAccuracy)} (${training.splits.train}/${training.splits.validation}/${training.splits.test} train/validation/test images)</small>` : ''}</h2>
${model.rows.length ? table(model) : data.retraining.rows.some((row) => row.model === model.model) ? html`<p class="muted">No inference job for this model; its retrain jobs are in <a href="#retraining">Retraining on each device</a>.</p>` : html`<p class="muted">No measurement or failure recorded for this model.</p>`}
<div class="charts">
${model.charts.latency.map((id) => box(id))}
${box(model.charts.size)}
${box(model.charts.tradeoff)}
${box(model.charts.training)}
${box(model.charts.confusion)}
${model.charts.trend.map((id) => box(id))}
</div>
</section>`;
}

function summarySection(data: ReportData): Safe {
  const items = data.models.map(
    (model) => html`<div class="summary-model"><h3>${model.model}</h3>${
      model.summary.length
        ? html`<ul>${model.summary.map((entry) => html`<li data-device="${entry.device}">${entry.sentence}</li>`)}</ul>`
        : html`<p class="muted">Nothing was measured for this model${model.rows.length ? ' (every job failed: see below)' : ''}.</p>`
    }</div>`,
  );
  return html`<section id="summary"><h2>Mobile (TF.js) or Lite (.tflite)?</h2><p class="muted">Per model and device: the fastest Lite option against the fastest Mobile option, at the smallest batch size measured.</p>${items}</section>`;
}

function definitionList(entries: [string, unknown][]): Safe {
  const shown = entries.filter(([, value]) => value !== undefined && value !== null && value !== '');
  return html`<dl>${shown.map(([name, value]) => html`<dt>${name}</dt><dd>${typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>`)}</dl>`;
}

function deviceCard(device: DeviceInfo): Safe {
  const android = device.android;
  const entries: [string, unknown][] = [
    ['id', device.id],
    ['kind', device.kind],
    ['os', device.os],
    ['cpu', device.cpu],
    ['cores', device.cores],
    ['memory', device.memoryBytes ? formatBytes(device.memoryBytes) : undefined],
    ['browser', device.browser ? `${device.browser.name} ${device.browser.version}` : undefined],
    ['user agent', device.browser?.userAgent],
    ['GPU vendor', device.gpu?.vendor],
    ['GPU renderer', device.gpu?.renderer],
    ['GPU adapter', device.gpu?.adapter],
    ['phone', android ? `${android.model} (serial ${android.serial})` : undefined],
    ['Android', android?.androidVersion],
    ['SoC', android?.soc],
    ['ABI', android?.abi],
    ['battery', android?.battery ? `${android.battery.level}%${android.battery.charging ? ', charging' : ''}${android.battery.temperatureC !== undefined ? `, ${android.battery.temperatureC} °C` : ''}` : undefined],
    ['thermal status', android?.thermalStatus],
    ...Object.entries(device.extra ?? {}),
  ];
  return html`<div class="card" data-device="${device.id}"><h3>${device.name}</h3>${definitionList(entries)}</div>`;
}

function environmentSection(data: ReportData): Safe {
  const host = data.host;
  const runtimeSizes = data.runtimeSizes.length
    ? html`<h3>Runtime download size (web)</h3><table class="plain"><thead><tr><th>runtime</th><th class="num">size</th><th class="num">gzip</th><th>files</th></tr></thead><tbody>${data.runtimeSizes.map(
        (entry) =>
          html`<tr><td>${entry.runtime}</td><td class="num" data-value="${entry.bytes}">${formatBytes(entry.bytes)}</td><td class="num" data-value="${entry.gzipBytes}">${formatBytes(entry.gzipBytes)}</td><td>${entry.files.map((file) => file.path.split('/').at(-1)).join(', ')}</td></tr>`,
      )}</tbody></table>`
    : '';
  return html`<section id="environment"><h2>Devices and environment</h2>
<div class="cards"><div class="card" data-device="host-machine"><h3>Host</h3>${definitionList([
    ['os', host.os],
    ['platform', `${host.platform} ${host.arch}`],
    ['cpu', host.cpu],
    ['cores', host.cores],
    ['memory', formatBytes(host.memoryBytes)],
    ['node', host.node],
  ])}</div>${data.devices.map(deviceCard)}</div>
${runtimeSizes}
</section>`;
}

/** The retrain workload: per device and backend, beside the host's retrain of the same pack. */
function retrainingSection(data: ReportData): Safe | '' {
  const { rows, chart } = data.retraining;
  if (rows.length === 0) return '';
  const title = chart ? data.charts.find((spec) => spec.id === chart)?.title : undefined;
  const accuracy = (row: RetrainRow) =>
    row.accuracy === null
      ? '–'
      : html`${formatPercent(row.accuracy)}${row.evalImages === null ? '' : html` <small class="muted">of ${String(row.evalImages)} images</small>`}${row.host ? html` <small class="muted" title="${`the host's retrain of the same pack on ${row.host.backend}; below it by more than ${formatPercent(row.host.tolerance)} counts as diverged`}">· host ${formatPercent(row.host.accuracy)}</small>` : ''}${row.diverged ? html` <strong>diverged</strong>` : ''}`;
  const body = rows.map((row) =>
    row.status === 'failed'
      ? html`<tr><td>${row.model}</td><td>${row.device}</td><td>${row.runtime}</td><td class="num">${row.trainImages === null ? '–' : String(row.trainImages)}</td><td colspan="4" class="error">failed in ${row.failure!.phase}: ${row.failure!.message}</td></tr>`
      : html`<tr><td>${row.model}</td><td>${row.device}</td><td>${row.runtime}${row.software ? html` <small class="muted">(${row.software})</small>` : ''}</td><td class="num">${String(row.trainImages)}</td><td class="num">${row.extractionImagesPerSecond!.toFixed(1)} <small class="muted">(batch ${String(row.extractionBatch)})</small></td><td class="num">${formatMs(row.msPerStep!)} <small class="muted">× ${String(row.steps)}</small></td><td class="num">${formatDuration(row.timeToRetrainMs)}</td><td class="accuracy">${accuracy(row)}</td></tr>`,
  );
  return html`<section id="retraining"><h2>Retraining on each device</h2>
<p class="muted">A new head trained on the device itself: bottlenecks of the training pack through the backbone, then head training with the host's hyper-parameters and seed; the head is evaluated on the evaluation pack beside the host's retrain of the same pack. Diverged: the loss went non-finite or the accuracy fell below the host's by more than the tolerance.</p>
<div class="table-wrap"><table class="retraining"><thead><tr><th>model</th><th>device</th><th>backend</th><th class="num" title="images of the training pack put through the backbone">training pack</th><th class="num">extraction images/s</th><th class="num" title="one head-training step × the steps taken">ms per step</th><th class="num" title="extraction + training">time to retrain</th><th>accuracy reached</th></tr></thead><tbody>${body}</tbody></table></div>
<div class="charts">${chartBox(chart, title, chartHeight(data.charts.find((spec) => spec.id === chart)))}</div>
</section>`;
}

function failuresSection(data: ReportData): Safe {
  if (data.failures.length === 0) return html`<section id="failures"><h2>Failures</h2><p class="muted">None: every planned job finished.</p></section>`;
  return html`<section id="failures"><h2>Failures <small>(${data.failures.length})</small></h2><ol class="failures">${data.failures.map(
    (failure) =>
      html`<li data-key="${failure.id}"><div><code>${failure.id.replace(/#batch=\d+$/, '')}</code> failed in <b>${failure.phase}</b> at ${formatDate(failure.at)}</div><div class="error">${failure.error.name}: ${failure.error.message}</div>${
        failure.error.stack ? html`<details><summary>stack</summary><pre>${failure.error.stack}</pre></details>` : ''
      }</li>`,
  )}</ol></section>`;
}

function header(data: ReportData): Safe {
  const run = data.run;
  const partial =
    run.status !== 'complete'
      ? html`<p class="banner" data-status="${run.status}">This run is <b>${run.status}</b>${run.status === 'running' ? ' (it may have crashed or still be going)' : ''}: the report shows what was measured before it stopped.</p>`
      : '';
  const measured = data.models.reduce((sum, model) => sum + model.rows.filter((row) => row.status === 'measured').length, 0);
  return html`<header><h1>edgebench report <small>run ${run.runId}</small></h1>
<p class="meta">${[
    `started ${formatDate(run.startedAt)}`,
    run.finishedAt ? `finished ${formatDate(run.finishedAt)}` : 'not finished',
    `status ${run.status}`,
    run.git ? `git ${run.git.commit.slice(0, 10)}${run.git.dirty ? ' (dirty)' : ''}` : null,
    `${count(measured, 'measurement')}, ${count(data.failures.length, 'failure')}`,
    `benchmark ${run.benchmark.name} v${run.benchmark.version}`,
    data.history.length ? `trend over ${count(data.history.length, 'earlier run')}` : null,
  ]
    .filter(Boolean)
    .join(' · ')}</p>${partial}
<nav>${[html`<a href="#summary">summary</a>`, ...data.models.map((model) => html`<a href="#model-${model.model}">${model.model}</a>`), data.retraining.rows.length ? html`<a href="#retraining">retraining</a>` : '', html`<a href="#environment">environment</a>`, html`<a href="#failures">failures</a>`, html`<a href="#config">config</a>`]}</nav>
</header>`;
}

const STYLE = `
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--accent:#2563eb;--bad:#b91c1c;--bg:#fff;--soft:#f8fafc}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1680px;margin:0 auto;padding:20px 28px 60px}
@media (max-width:1440px){main{padding:16px 14px 48px}}
h1{font-size:22px;margin:0 0 4px}h1 small,h2 small{font-weight:normal;color:var(--muted);font-size:14px}
h2{font-size:18px;margin:32px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:15px;margin:14px 0 6px}
.meta,.muted{color:var(--muted)}
nav a{margin-right:14px;color:var(--accent);text-decoration:none}
.banner{background:#fef3c7;border:1px solid #f59e0b;padding:8px 12px;border-radius:6px}
#summary li{margin:4px 0}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:12.5px;width:100%}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{background:var(--soft);position:sticky;top:0}
th[data-sort]{cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
.num{text-align:right;font-variant-numeric:tabular-nums}
td[data-field=device],td[data-field=runtime]{white-space:normal;min-width:130px}
/* At a laptop's width (1366 px) every column of a results table fits: headers and long cells wrap instead of pushing accuracy off the screen. */
table.results{font-size:12px}
table.results th{white-space:normal;vertical-align:bottom}
table.results th,table.results td{padding:5px 3px}
td[data-field=artifact]{white-space:normal;min-width:80px}
td[data-field=roundNoise]{white-space:normal;min-width:80px}
tr.failed td{background:#fef2f2}
td.error,.failures .error{color:var(--bad);white-space:normal}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:18px;margin-top:16px}
figure.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
figcaption{font-weight:600;font-size:13px;margin-bottom:6px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:8px;padding:4px 14px 10px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{color:var(--muted)}dd{margin:0;word-break:break-word}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:10px;overflow:auto;font-size:12px}
.failures li{margin:8px 0}
footer{margin-top:40px;color:var(--muted);font-size:12px}
`;

/** The whole page for `data`, with `script` (the bundled viewer) inlined. */
export function renderHtml(data: ReportData, script: string, abHtml = ''): string {
  // `<` escaped so no string in the data can close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgebench report ${data.run.runId}</title>
<style>${new Safe(STYLE)}</style></head>
<body><main>
${header(data)}
${summarySection(data)}
${data.models.map((model) => modelSection(model, data))}
${retrainingSection(data)}
${new Safe(enginesHtml(data.engines))}
${new Safe(energySection(data.energy))}
${new Safe(profileSectionHtml(data.profiles))}
${new Safe(abHtml)}
${environmentSection(data)}
${failuresSection(data)}
<section id="config"><h2>Resolved configuration</h2><details><summary>show</summary><pre>${JSON.stringify(data.config, null, 2) ?? 'null'}</pre></details></section>
<footer>Generated ${formatDate(data.generatedAt)} by edgebench from run.json alone. Charts: Apache ECharts (Apache-2.0), inlined.</footer>
</main>
<script type="application/json" id="report-data">${new Safe(json)}</script>
<script>${new Safe(script)}</script>
</body></html>
`;
  return page.value;
}

export interface HtmlReportOptions {
  /** The output folder (for the default path and for earlier runs). */
  out: string;
  /** Earlier runs for the trend (harness/history.ts loads them); [] for none. */
  history: RunRecord[];
  /** Where to write; default `<out>/runs/<run-id>/report.html`. */
  path?: string;
  now?: Date;
}

/** Writes the self-contained report of `record` and returns its path. */
export async function writeHtmlReport(record: RunRecord, options: HtmlReportOptions): Promise<string> {
  const data = buildReportData(record, { history: options.history, ...(options.now ? { now: options.now } : {}) });
  const ab = latestAbVerdict(options.out);
  const page = renderHtml(data, await viewerScript(), ab ? abSection(ab) : '');
  const path = options.path ?? join(runDir(options.out, record.runId), 'report.html');
  // The default place is inside the out folder: no link planted on the way is followed.
  const inside = options.path === undefined ? { inside: options.out } : {};
  if (inside.inside) assertNoLinkBetween(options.out, path, 'report');
  await mkdir(dirname(path), { recursive: true });
  // Write then rename: a reader (or a browser reload) never sees half a page.
  writeFileAtomic(path, page, inside);
  return path;
}
