/**
 * The out folder's latest A/B verdict (`ab/<stamp>.json`, written by
 * harness/ab.ts) as a section of the HTML report: B/A per key with its
 * interval, accuracy on both sides, the design it came from, and why.
 *
 * The file is read as untrusted input (an out folder may come from
 * elsewhere): its size is bounded, no link is followed, only the fields
 * shown are taken and checked, and every string is escaped.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { abResultPath } from '../harness/core/layout.ts';
import { readFileNoFollow } from '../harness/core/safe-fs.ts';
import { escapeHtml } from './escape.ts';

/** A verdict file is a few kB per key; anything near this is not one. */
const MAX_BYTES = 4 * 1024 * 1024;

const verdictFile = z.object({
  createdAt: z.string(),
  baseline: z.string(),
  keys: z.array(
    z.object({
      key: z.string(),
      verdict: z.enum(['regressed', 'improved', 'same', 'inconclusive']),
      reason: z.string(),
      estimate: z.object({ ratio: z.number(), low: z.number(), high: z.number(), pValue: z.number().nullable() }).optional(),
      quality: z.object({ accuracy: z.object({ baseline: z.number().nullable(), current: z.number().nullable() }) }).optional(),
    }),
  ),
  sides: z.array(z.object({ key: z.string(), design: z.string().nullable().optional() })).optional(),
});

export type AbReportView = z.infer<typeof verdictFile> & { file: string };

/** The newest readable verdict in `<out>/ab/`, or null (none, or the newest is not one: the section is then left out). */
export function latestAbVerdict(out: string): AbReportView | null {
  const dir = dirname(abResultPath(out, 'x'));
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => /^[\w.-]+\.json$/.test(name));
  } catch {
    return null;
  }
  // The stamps are ISO times: the names sort in time order.
  const newest = names.sort().at(-1);
  if (!newest) return null;
  try {
    const parsed = verdictFile.safeParse(JSON.parse(readFileNoFollow(join(dir, newest), MAX_BYTES).toString('utf8')));
    return parsed.success ? { ...parsed.data, file: newest } : null;
  } catch {
    return null;
  }
}

const MARK = { regressed: '✗ regressed', improved: '✓ improved', same: '= same', inconclusive: '? inconclusive' } as const;
const percent = (value: number | null | undefined) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '–');

/** The section's HTML (every value escaped). */
export function abSection(view: AbReportView): string {
  const design = new Map((view.sides ?? []).map((side) => [side.key, side.design ?? null]));
  const rows = view.keys.map((key) => {
    const estimate = key.estimate;
    const interval = estimate && estimate.pValue !== null ? `${estimate.low.toFixed(3)}–${estimate.high.toFixed(3)}` : '–';
    const accuracy = key.quality ? `${percent(key.quality.accuracy.baseline)} → ${percent(key.quality.accuracy.current)}` : '–';
    const cells = [MARK[key.verdict], key.key, estimate ? estimate.ratio.toFixed(3) : '–', interval, accuracy, design.get(key.key) ?? '–', key.reason];
    return `<tr class="ab-${key.verdict}">${cells.map((cell, index) => `<td${index >= 2 && index <= 3 ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`;
  });
  return `<section id="ab"><h2>A/B against the baseline</h2>
<p class="muted">The out folder's latest <code>bench ab</code> / <code>bench run --baseline</code> verdict (${escapeHtml(view.file)}, ${escapeHtml(view.createdAt)}), against ${escapeHtml(view.baseline)}: B's time over A's with its 95% interval, A and B measured side by side.</p>
<div class="table-wrap"><table class="ab"><thead><tr><th>verdict</th><th>key</th><th class="num">B/A</th><th class="num">interval</th><th>accuracy A → B</th><th>design</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`;
}
