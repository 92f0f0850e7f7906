/**
 * The HTML of "Energy and sustained performance" (./energy.ts): a table, an
 * "energy per inference vs latency" chart per phone and a latency-over-time
 * chart per sustained job with its throttle events marked. The charts are
 * inline SVG drawn here: they need no viewer, and print as they show.
 */
import { formatMs } from '../harness/core/format.ts';
import { escapeHtml as e } from './escape.ts';
import type { EnergyReport, EnergyRow, SustainedView } from './energy.ts';

const W = 640;
const H = 260;
const PAD = { left: 56, right: 16, top: 16, bottom: 40 };
const COLOURS = ['#2f6fb0', '#c0504d', '#4f9a55', '#8064a2', '#d08a2c', '#3a9fb0'];

function ticks(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(max || 1));
  const unit = max / step > 5 ? step * 2 : max / step > 2 ? step : step / 2;
  const out: number[] = [];
  for (let value = 0; value <= max * 1.0001; value += unit) out.push(Number(value.toPrecision(6)));
  return out;
}

function axes(xMax: number, yMax: number, xName: string, yName: string): { svg: string; x: (v: number) => number; y: (v: number) => number } {
  const x = (value: number) => PAD.left + (value / xMax) * (W - PAD.left - PAD.right);
  const y = (value: number) => H - PAD.bottom - (value / yMax) * (H - PAD.top - PAD.bottom);
  const parts = [`<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#888"/>`, `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#888"/>`];
  for (const tick of ticks(xMax)) parts.push(`<text x="${x(tick).toFixed(1)}" y="${H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${tick}</text>`);
  for (const tick of ticks(yMax)) parts.push(`<text x="${PAD.left - 4}" y="${(y(tick) + 3).toFixed(1)}" font-size="10" text-anchor="end">${tick}</text>`, `<line x1="${PAD.left}" y1="${y(tick).toFixed(1)}" x2="${W - PAD.right}" y2="${y(tick).toFixed(1)}" stroke="#eee"/>`);
  parts.push(`<text x="${(W + PAD.left) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">${e(xName)}</text>`, `<text x="12" y="${(H - PAD.bottom + PAD.top) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(H - PAD.bottom + PAD.top) / 2})">${e(yName)}</text>`);
  return { svg: parts.join(''), x, y };
}

/** Energy per inference against p50 latency: one chart per phone, one point per job. */
function energyChart(device: string, rows: EnergyRow[]): string {
  const measured = rows.filter((row) => row.mJPerInference !== null);
  if (measured.length === 0) return '';
  const runtimes = [...new Set(measured.map((row) => row.runtime))];
  const { svg, x, y } = axes(Math.max(...measured.map((row) => row.p50)) * 1.1, Math.max(...measured.map((row) => row.mJPerInference!)) * 1.1, 'p50 latency (ms)', 'mJ per inference');
  const points = measured.map((row) => {
    const colour = COLOURS[runtimes.indexOf(row.runtime) % COLOURS.length];
    return `<circle cx="${x(row.p50).toFixed(1)}" cy="${y(row.mJPerInference!).toFixed(1)}" r="5" fill="${colour}"><title>${e(`${row.model} ${row.artifact} · ${row.runtime}: ${formatMs(row.p50)}, ${row.mJPerInference!.toFixed(2)} mJ`)}</title></circle>`;
  });
  const legend = runtimes.map((runtime, index) => `<span><i style="background:${COLOURS[index % COLOURS.length]}"></i>${e(runtime)}</span>`).join(' ');
  return `<figure class="energy-chart" data-device="${e(device)}"><figcaption>Energy per inference vs latency on ${e(device)} (lower left is better)</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="energy per inference vs latency on ${e(device)}">${svg}${points.join('')}</svg><p class="legend">${legend}</p></figure>`;
}

/** p50 per second over the run, the first and last windows shaded, each throttle event a marked line. */
function sustainedChart(view: SustainedView): string {
  if (view.perSecond.length === 0) return '';
  const xMax = Math.max(1, view.durationS);
  const { svg, x, y } = axes(xMax, Math.max(...view.perSecond.map(([, p50]) => p50)) * 1.15, 'seconds into the loop', 'p50 latency (ms)');
  const shade = (from: number, to: number, label: string) => `<rect x="${x(from).toFixed(1)}" y="${PAD.top}" width="${(x(to) - x(from)).toFixed(1)}" height="${H - PAD.top - PAD.bottom}" fill="#2f6fb0" opacity="0.06"><title>${e(label)}</title></rect>`;
  const line = `<polyline fill="none" stroke="#2f6fb0" stroke-width="1.5" points="${view.perSecond.map(([t, p50]) => `${x(Math.min(t + 0.5, view.durationS)).toFixed(1)},${y(p50).toFixed(1)}`).join(' ')}"/>`;
  const events = view.throttleEvents.map((event) => `<g class="throttle" data-t="${event.t}"><line x1="${x(event.t).toFixed(1)}" y1="${PAD.top}" x2="${x(event.t).toFixed(1)}" y2="${H - PAD.bottom}" stroke="#c0504d" stroke-dasharray="4 3"/><text x="${(x(event.t) + 3).toFixed(1)}" y="${PAD.top + 10}" font-size="10" fill="#c0504d">${e(`${event.from} → ${event.to}`)}</text></g>`);
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="latency over time">${svg}${shade(0, view.windowS, `first ${view.windowS} s: p50 ${formatMs(view.firstP50)}`)}${shade(view.durationS - view.windowS, view.durationS, `last ${view.windowS} s: p50 ${formatMs(view.lastP50)}`)}${line}${events.join('')}</svg>`;
}

function sustainedBlock(view: SustainedView): string {
  const percent = view.firstP50 > 0 ? (view.lastP50 / view.firstP50 - 1) * 100 : null;
  const change = percent === null ? '–' : `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)}`;
  const window = view.windowS >= 60 ? 'minute' : `${view.windowS.toFixed(1)} s`;
  const throttle = view.firstThrottleS === null ? 'no throttling reported' : `first throttle after ${view.firstThrottleS.toFixed(1)} s, ${view.throttleEvents.length} thermal status change${view.throttleEvents.length === 1 ? '' : 's'}`;
  return `<figure class="sustained" id="sustained-${e(view.id)}"><figcaption>${e(view.label)} on ${e(view.device)}: ${view.durationS.toFixed(0)} s, first ${window} p50 ${formatMs(view.firstP50)} → last ${window} ${formatMs(view.lastP50)} (${change}%), ${throttle}</figcaption>${sustainedChart(view)}<p class="muted">Readings: ${e(view.readings)}.</p></figure>`;
}

/** The section, or '' when the run measured neither energy nor sustained. */
export function energySection(report: EnergyReport | undefined): string {
  if (!report || (report.rows.length === 0 && report.sustained.length === 0)) return '';
  const devices = [...new Set(report.rows.map((row) => row.device))];
  const table = report.rows.length
    ? `<div class="table-wrap"><table class="energy"><thead><tr><th>model</th><th>artifact</th><th>device</th><th>runtime</th><th class="num">batch</th><th class="num">p50</th><th class="num">mJ per inference</th><th>how</th></tr></thead><tbody>${report.rows
        .map((row) => `<tr data-id="${e(row.id)}" data-method="${row.method}"><td>${e(row.model)}</td><td>${e(row.artifact)}</td><td>${e(row.device)}</td><td>${e(row.runtime)}</td><td class="num">${row.batchSize}</td><td class="num">${formatMs(row.p50)}</td><td class="num" data-value="${row.mJPerInference ?? ''}">${row.mJPerInference === null ? '–' : row.mJPerInference.toFixed(2)}</td><td>${e(row.how)}</td></tr>`)
        .join('')}</tbody></table></div>${devices.map((device) => energyChart(device, report.rows.filter((row) => row.device === device))).join('')}`
    : '';
  return `<section id="energy"><h2>Energy and sustained performance</h2>${table}${report.sustained.map(sustainedBlock).join('')}</section>`;
}
