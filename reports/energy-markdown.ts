/** The markdown of "Energy and sustained performance" (./energy.ts): the energy table and each sustained job's summary; `mdText` (markdown.ts, passed in: it imports this file) escapes copied text. */
import { formatMs } from '../harness/core/format.ts';
import type { EnergyReport } from './energy.ts';

export function energyMarkdown(report: EnergyReport, mdText: (text: string) => string): string[] {
  if (report.rows.length === 0 && report.sustained.length === 0) return [];
  const lines = ['#### Energy and sustained performance', ''];
  if (report.rows.length) {
    lines.push('| model | artifact | device | runtime | batch | p50 | mJ per inference | how |', '|---|---|---|---|---:|---:|---:|---|');
    for (const row of report.rows) lines.push(`| ${mdText(row.model)} | ${mdText(row.artifact)} | ${mdText(row.device)} | ${mdText(row.runtime)} | ${row.batchSize} | ${formatMs(row.p50)} | ${row.mJPerInference === null ? '–' : row.mJPerInference.toFixed(2)} | ${mdText(row.how)} |`);
    lines.push('');
  }
  for (const view of report.sustained) {
    const throttle = view.firstThrottleS === null ? 'no throttling reported' : `first throttle after ${view.firstThrottleS.toFixed(1)} s (${view.throttleEvents.map((event) => `${event.t.toFixed(0)} s ${event.from} → ${event.to}`).join(', ')})`;
    lines.push(`- sustained ${mdText(view.label)} on ${mdText(view.device)}, ${view.durationS.toFixed(0)} s: p50 first ${view.windowS.toFixed(0)} s ${formatMs(view.firstP50)}, last ${view.windowS.toFixed(0)} s ${formatMs(view.lastP50)}; ${throttle}`);
  }
  if (report.sustained.length) lines.push('');
  return lines;
}
