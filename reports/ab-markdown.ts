/**
 * The A/B verdict as markdown, for a pull request's `$GITHUB_STEP_SUMMARY`:
 * one row per key (verdict, B/A, its interval, why), regressions first.
 */
import { redactText } from '../harness/core/redact.ts';
import type { AbVerdict } from './ab.ts';
import { mdCode, mdText } from './markdown.ts';

const VERDICT = { regressed: '❌ regressed', inconclusive: '❔ inconclusive', improved: '✅ improved', same: 'same' } as const;
const ORDER = ['regressed', 'inconclusive', 'improved', 'same'] as const;

export function renderAbMarkdown(verdict: AbVerdict, sides: { baseline: string; current: string }): string {
  const { counts } = verdict;
  const lines = [
    `### edgebench A/B: ${mdCode(sides.current)} against ${mdCode(sides.baseline)}`,
    '',
    `${counts.regressed} regressed, ${counts.improved} improved, ${counts.same} same, ${counts.inconclusive} inconclusive. A and B alternated in each process or page (against another commit: in alternating processes); intervals are 95%.`,
    '',
    '| verdict | key | B/A | interval | why |',
    '|---|---|--:|--:|---|',
  ];
  const keys = [...verdict.keys].sort((left, right) => ORDER.indexOf(left.verdict) - ORDER.indexOf(right.verdict) || left.key.localeCompare(right.key));
  for (const key of keys) {
    const estimate = key.estimate;
    const interval = estimate && estimate.pValue !== null ? `${estimate.low.toFixed(3)}–${estimate.high.toFixed(3)}` : '–';
    lines.push(`| ${VERDICT[key.verdict]} | ${mdCode(key.key, { inTable: true })} | ${estimate ? estimate.ratio.toFixed(3) : '–'} | ${interval} | ${mdText(key.reason)} |`);
  }
  return redactText(`${lines.join('\n')}\n`);
}
