/**
 * Browsers side by side: the same artifact on the same runtime (and batch
 * size and options) in each browser engine of a run, as p50 latency and the
 * ratio to Chromium's. Engines are told apart by their user agent (Gecko's
 * `Firefox/`, Chromium's `Chrome/`, else `AppleWebKit`), so a remote browser
 * counts as its engine; each browser is still its own column (its device id),
 * so browsers on two hosts never share a cell. Plain data for the markdown
 * summary and `npm run benchmark:engines`.
 */
import type { DeviceInfo, Measurement, RunRecord } from '../harness/core/record.ts';
import { workloadOf } from '../harness/core/record.ts';
import { escapeHtml } from './escape.ts';

export type Engine = 'chromium' | 'firefox' | 'webkit';

/** The engine of a browser device, from its user agent (its name as a fallback); undefined for anything else. */
export function engineOf(device: DeviceInfo): Engine | undefined {
  if (device.kind !== 'browser') return undefined;
  const agent = device.browser?.userAgent ?? '';
  const name = (device.browser?.name ?? device.name).toLowerCase();
  if (/Firefox\//.test(agent) || name.includes('firefox')) return 'firefox';
  if (/Chrom(e|ium)\//.test(agent) || name.includes('chrom')) return 'chromium';
  if (/AppleWebKit\//.test(agent) || name.includes('webkit')) return 'webkit';
  return undefined;
}

export interface EngineColumn {
  device: string;
  name: string;
  engine: Engine;
}

export interface EngineRow {
  /** `mobilenet_v2 tflite/int8 litert-wasm batch 1`. */
  label: string;
  /** p50 in ms per column (its device id); absent where that browser has no such measurement. */
  p50: Record<string, number>;
  /** p50 ÷ the Chromium column's p50 (above 1: slower than Chromium), where both exist. */
  ratio: Record<string, number>;
}

export interface EnginesSideBySide {
  columns: EngineColumn[];
  /** The Chromium column the ratios are to, when the run has one. */
  baseline?: string;
  rows: EngineRow[];
}

/** What makes two measurements "the same job" in two browsers: everything in the key but the device (and its threads, which follow the device). */
function jobLabel(measurement: Measurement): string {
  const { key } = measurement;
  const options = Object.entries(key.options)
    .filter(([name]) => name !== 'threads' && name !== 'batch')
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
  return `${key.model} ${key.format}/${key.variant} ${key.runtime} batch ${measurement.batchSize}${options ? ` ${options}` : ''}`;
}

/** The side-by-side view of a run's browser inference measurements; no rows unless at least two engines ran. */
export function enginesSideBySide(record: Pick<RunRecord, 'measurements'>): EnginesSideBySide {
  const columns = new Map<string, EngineColumn>();
  const rows = new Map<string, EngineRow>();
  for (const measurement of record.measurements) {
    if (workloadOf(measurement.key) !== 'infer') continue;
    const engine = engineOf(measurement.device);
    if (!engine) continue;
    if (!columns.has(measurement.device.id)) columns.set(measurement.device.id, { device: measurement.device.id, name: measurement.device.name, engine });
    const label = jobLabel(measurement);
    const row = rows.get(label) ?? { label, p50: {}, ratio: {} };
    row.p50[measurement.device.id] = measurement.latency.p50;
    rows.set(label, row);
  }
  const ordered = [...columns.values()].sort((a, b) => a.engine.localeCompare(b.engine) || a.device.localeCompare(b.device));
  if (new Set(ordered.map((column) => column.engine)).size < 2) return { columns: ordered, rows: [] };
  const baseline = ordered.find((column) => column.engine === 'chromium')?.device;
  const kept = [...rows.values()].filter((row) => Object.keys(row.p50).length >= 2);
  for (const row of kept) {
    const base = baseline === undefined ? undefined : row.p50[baseline];
    if (base === undefined || !(base > 0)) continue;
    for (const [device, p50] of Object.entries(row.p50)) row.ratio[device] = p50 / base;
  }
  return { columns: ordered, ...(baseline ? { baseline } : {}), rows: kept.sort((a, b) => a.label.localeCompare(b.label)) };
}

/** The view as plain-text table lines (`npm run benchmark:engines`): p50 and ×Chromium per browser. */
export function formatEngines(view: EnginesSideBySide): string[] {
  if (view.rows.length === 0) return ['browsers side by side: fewer than two engines measured the same job'];
  const header = ['job', ...view.columns.map((column) => column.device)];
  const body = view.rows.map((row) => [
    row.label,
    ...view.columns.map((column) => {
      const p50 = row.p50[column.device];
      if (p50 === undefined) return '—';
      const ratio = row.ratio[column.device];
      return `${p50.toFixed(2)} ms${ratio !== undefined && column.device !== view.baseline ? ` (${ratio.toFixed(2)}×)` : ''}`;
    }),
  ]);
  const widths = header.map((_, index) => Math.max(...[header, ...body].map((cells) => cells[index]!.length)));
  const line = (cells: string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ');
  return [line(header), ...body.map(line)];
}

/** Markdown escapers, passed in (reports/markdown.ts owns them). */
export interface MarkdownText {
  text: (value: string) => string;
  row: (cells: string[]) => string;
}

/** The view as a markdown section for the run summary; no lines when fewer than two engines measured the same job. */
export function enginesMarkdown(view: EnginesSideBySide, md: MarkdownText): string[] {
  if (view.rows.length === 0) return [];
  const lines = ['#### Browsers side by side', '', `p50 of the same artifact and runtime in each browser${view.baseline ? `; in brackets, × ${md.text(view.baseline)}'s (above 1: slower)` : ''}.`, ''];
  lines.push(md.row(['job', ...view.columns.map((column) => md.text(column.device))]));
  lines.push(`|---|${view.columns.map(() => '--:|').join('')}`);
  for (const row of view.rows) {
    lines.push(md.row([md.text(row.label), ...view.columns.map((column) => {
      const p50 = row.p50[column.device];
      const ratio = row.ratio[column.device];
      return p50 === undefined ? '—' : `${p50.toFixed(2)} ms${ratio !== undefined && column.device !== view.baseline ? ` (${ratio.toFixed(2)}×)` : ''}`;
    })]));
  }
  return [...lines, ''];
}

/** The view as an HTML section of the report (escaped here: labels and ids come from the record); '' when nothing is side by side. */
export function enginesHtml(view: EnginesSideBySide | undefined): string {
  if (!view || view.rows.length === 0) return '';
  const cell = (row: EngineRow, column: EngineColumn) => {
    const p50 = row.p50[column.device];
    const ratio = row.ratio[column.device];
    if (p50 === undefined) return '<td class="num">–</td>';
    return `<td class="num" data-value="${p50}">${p50.toFixed(2)} ms${ratio !== undefined && column.device !== view.baseline ? ` <small>(${ratio.toFixed(2)}×)</small>` : ''}</td>`;
  };
  const head = view.columns.map((column) => `<th class="num" title="${escapeHtml(column.name)}">${escapeHtml(column.device)}</th>`).join('');
  const body = view.rows.map((row) => `<tr><td>${escapeHtml(row.label)}</td>${view.columns.map((column) => cell(row, column)).join('')}</tr>`).join('');
  const note = view.baseline ? `; in brackets, × ${escapeHtml(view.baseline)}'s (above 1: slower)` : '';
  return `<section id="engines"><h2>Browsers side by side</h2><p class="muted">p50 of the same artifact and runtime in each browser engine${note}.</p><div class="table-wrap"><table class="engines"><thead><tr><th>job</th>${head}</tr></thead><tbody>${body}</tbody></table></div></section>`;
}
