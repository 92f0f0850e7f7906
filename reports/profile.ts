/**
 * "Where the time goes": a run record's profiles (`bench profile`) as the
 * same tables in HTML, markdown and the terminal. Per model and runtime: the
 * time by layer kind (a stacked bar in HTML), the ten costliest rows, how the
 * parts add up against the job's p50, and what the runtime's accelerated
 * path took. Untimed profiles say why; nothing is shown as zero that was not
 * measured.
 */
import { LAYER_KINDS, type LayerKind } from '../harness/core/layer-kind.ts';
import { addsUpText, formatGflops, type ModelProfile, type ProfileRow, type RuntimeProfile } from '../harness/core/profile.ts';
import { beyondPeak, peakShareText, percentOfPeak, rowGflops } from '../harness/core/roofline.ts';
import { rooflineSvg } from './profile-roofline.ts';
import { escapeHtml } from './escape.ts';

export interface RuntimeTable {
  /** "tflite-node int8-dynamic (prefix-attribution)". */
  label: string;
  /** "parts 6.1 ms of p50 6.3 ms (97%)", or why it is untimed. */
  sum: string;
  coverage: string | null;
  gflops: number | null;
  /** Time per layer kind (ms), kinds with time only; null when untimed. */
  kinds: { kind: LayerKind; ms: number; share: number }[] | null;
  top: ProfileRow[];
  note: string | null;
  /** "peak 41 GFLOP/s (probe: …); the model at 23% of it", or null where no peak is known. */
  peak: string | null;
}

const ms = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : Math.abs(value) >= 0.1 ? value.toFixed(2) : value.toFixed(3));

function coverageText(profile: RuntimeProfile): string | null {
  const coverage = profile.coverage;
  if (!coverage) return null;
  const left = Object.entries(coverage.left).map(([name, count]) => `${name}${count > 1 ? ` ×${count}` : ''}`);
  return `${coverage.accelerated} of ${coverage.total} ops on ${coverage.accelerator}${coverage.partitions !== undefined ? ` (${coverage.partitions} partition${coverage.partitions === 1 ? '' : 's'})` : ''}${left.length ? `; left: ${left.join(', ')}` : ''}`;
}

export function runtimeTable(profile: RuntimeProfile): RuntimeTable {
  const label = `${profile.runtime}${profile.variant === 'tfjs' ? '' : ` ${profile.variant}`}${profile.device ? ` in ${profile.device}` : ''} (${profile.method})`;
  const sum = profile.sumMs === null
    ? `untimed: ${profile.why ?? 'the backend gives no kernel times'}; p50 ${ms(profile.p50Ms)} ms`
    : `parts ${ms(profile.sumMs)} ms of p50 ${ms(profile.p50Ms)} ms (${((profile.ratio ?? 0) * 100).toFixed(0)}%, ${addsUpText(profile.ratio)})${profile.overheadMs !== undefined ? `; profiling cost ${ms(profile.overheadMs)} ms` : ''}`;
  let kinds: RuntimeTable['kinds'] = null;
  if (profile.sumMs !== null) {
    const totals = new Map<LayerKind, number>();
    for (const row of profile.rows) totals.set(row.kind, (totals.get(row.kind) ?? 0) + Math.max(0, row.ms ?? 0));
    const positive = [...totals.values()].reduce((total, value) => total + value, 0);
    kinds = LAYER_KINDS.filter((kind) => (totals.get(kind) ?? 0) > 0).map((kind) => ({ kind, ms: totals.get(kind)!, share: positive > 0 ? totals.get(kind)! / positive : 0 }));
  }
  const top = profile.sumMs === null ? profile.rows.slice(0, 10) : [...profile.rows].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0)).slice(0, 10);
  const modelPercent = percentOfPeak(profile.gflops, profile.peak);
  // A peak something beats is no ceiling for it: named, never shown as more than 100% "of peak".
  const beyond = beyondPeak(profile);
  const modelShare = modelPercent === null || modelPercent > 100 ? '' : `; the model at ${peakShareText(modelPercent)} of it`;
  const peak = profile.peak ? `peak ${formatGflops(profile.peak.gflops)} GFLOP/s (${profile.peak.source})${modelShare}${beyond.length ? `; the probe is no ceiling for: ${beyond.join(', ')}` : ''}` : null;
  return { label, sum, coverage: coverageText(profile), gflops: profile.gflops ?? null, kinds, top, note: profile.sumMs === null ? null : (profile.why ?? null), peak };
}

/** "0.600 GFLOP", "27.6 kFLOP". */
export function flopsText(flops: number): string {
  const [scale, unit] = flops >= 1e9 ? [1e9, 'G'] : flops >= 1e6 ? [1e6, 'M'] : flops >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${(flops / scale).toPrecision(3)} ${unit}FLOP`;
}

function bytesText(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}


/** Terminal lines, and the markdown's body (the same tables). */
export function profileMarkdown(profiles: readonly ModelProfile[] | undefined): string[] {
  if (!profiles?.length) return [];
  const lines: string[] = ['### Where the time goes', ''];
  for (const model of profiles) {
    lines.push(`#### ${model.model}: ${flopsText(model.flops)} per image (${flopsText(model.macs).replace('FLOP', 'multiply-adds')}), ${bytesText(model.weightBytes)} of float32 weights`, '');
    for (const profile of model.runtimes) {
      const table = runtimeTable(profile);
      lines.push(`**${table.label}**: ${table.sum}${table.gflops !== null ? `; ${formatGflops(table.gflops)} GFLOP/s` : ''}${table.peak ? `; ${table.peak}` : ''}${table.coverage ? `; ${table.coverage}` : ''}${table.note ? `. ${table.note}` : ''}`, '');
      if (table.kinds) lines.push(`By kind: ${table.kinds.map((entry) => `${entry.kind} ${ms(entry.ms)} ms (${(entry.share * 100).toFixed(0)}%)`).join(', ')}`, '');
      lines.push('| layer | kind | ms | GFLOP/s | % of peak | FLOP/byte | kernels/ops |', '|---|---|--:|--:|--:|--:|--:|');
      for (const row of table.top) {
        const rate = rowGflops(row);
        lines.push(`| ${row.name.replace(/\|/g, '\\|')} | ${row.kind} | ${row.ms === null ? '–' : ms(row.ms)} | ${rate === null ? '–' : formatGflops(rate)} | ${peakShareText(percentOfPeak(rate, profile.peak))} | ${row.intensity === undefined ? '–' : row.intensity.toFixed(1)} | ${row.count} |`);
      }
      lines.push('');
    }
    for (const skip of model.skipped) lines.push(`- ${skip.runtime} ${skip.variant}: not profiled: ${skip.reason}`);
    if (model.skipped.length) lines.push('');
  }
  return lines;
}

const KIND_COLOURS: Record<LayerKind, string> = { conv: '#2563eb', depthwise: '#0891b2', dense: '#7c3aed', pool: '#16a34a', activation: '#ca8a04', quantize: '#dc2626', other: '#6b7280' };

/** The HTML section (its own markup; escaped here). Empty when the record has no profiles. */
export function profileSectionHtml(profiles: readonly ModelProfile[] | undefined): string {
  if (!profiles?.length) return '';
  const e = escapeHtml;
  const parts: string[] = ['<section id="profiles"><h2>Where the time goes</h2>'];
  for (const model of profiles) {
    parts.push(`<h3>${e(model.model)} <small>${flopsText(model.flops)} per image, ${bytesText(model.weightBytes)} of float32 weights</small></h3>`);
    parts.push(`<p class="muted">${LAYER_KINDS.map((kind) => `<span style="display:inline-block;width:10px;height:10px;background:${KIND_COLOURS[kind]}"></span> ${kind}`).join(' &nbsp; ')}</p>`);
    for (const profile of model.runtimes) {
      const table = runtimeTable(profile);
      const bar = table.kinds
        ? `<div class="profile-bar" style="display:flex;height:16px;width:100%;max-width:720px;border-radius:3px;overflow:hidden">${table.kinds.map((entry) => `<div title="${e(`${entry.kind}: ${ms(entry.ms)} ms (${(entry.share * 100).toFixed(0)}%)`)}" data-kind="${entry.kind}" style="width:${(entry.share * 100).toFixed(2)}%;background:${KIND_COLOURS[entry.kind]}"></div>`).join('')}</div>`
        : '';
      const rows = table.top
        .map((row) => {
          const rate = rowGflops(row);
          return `<tr><td>${e(row.name)}</td><td>${row.kind}</td><td class="num">${row.ms === null ? '–' : ms(row.ms)}</td><td class="num">${rate === null ? '–' : formatGflops(rate)}</td><td class="num">${peakShareText(percentOfPeak(rate, profile.peak))}</td><td class="num">${row.intensity === undefined ? '–' : row.intensity.toFixed(1)}</td><td class="num">${row.count}</td></tr>`;
        })
        .join('');
      parts.push(
        `<div class="profile"><h4>${e(table.label)}</h4><p>${e(table.sum)}${table.gflops !== null ? ` · ${formatGflops(table.gflops)} GFLOP/s` : ''}${table.peak ? ` · ${e(table.peak)}` : ''}${table.coverage ? ` · ${e(table.coverage)}` : ''}${table.note ? `<br><span class="muted">${e(table.note)}</span>` : ''}</p>${bar}` +
          `<div class="table-wrap"><table><thead><tr><th>layer</th><th>kind</th><th class="num">ms</th><th class="num">GFLOP/s</th><th class="num">% of peak</th><th class="num">FLOP/byte</th><th class="num">kernels/ops</th></tr></thead><tbody>${rows}</tbody></table></div>` +
          `${rooflineSvg(profile, `Roofline: ${table.label}, every row by FLOP/byte and GFLOP/s${profile.peak ? ' under the runtime\'s peak' : ''}`, KIND_COLOURS)}</div>`,
      );
    }
    if (model.skipped.length) parts.push(`<ul class="muted">${model.skipped.map((skip) => `<li>${e(`${skip.runtime} ${skip.variant}: not profiled: ${skip.reason}`)}</li>`).join('')}</ul>`);
  }
  parts.push('</section>');
  return parts.join('\n');
}
