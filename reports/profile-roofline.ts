/**
 * The roofline of one profiled runtime, for "Where the time goes": each row
 * (layer or block) placed by its arithmetic intensity (FLOP per byte) and
 * achieved GFLOP/s on log-log axes, coloured by layer kind, under the
 * runtime's compute ceiling (its matrix-multiply probe or configured peak,
 * harness/core/roofline.ts). Inline SVG, as the energy charts: it needs no
 * viewer and prints as it shows. The ceiling is flat: no bandwidth is
 * measured, so no sloped roof is drawn.
 */
import type { LayerKind } from '../harness/core/layer-kind.ts';
import type { RuntimeProfile } from '../harness/core/profile.ts';
import { peakShareText, rooflinePoints } from '../harness/core/roofline.ts';
import { escapeHtml as e } from './escape.ts';

const W = 640;
const H = 280;
const PAD = { left: 60, right: 16, top: 16, bottom: 40 };

/** Powers of ten spanning [low, high]. */
function decades(low: number, high: number): number[] {
  const out: number[] = [];
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power += 1) out.push(10 ** power);
  return out;
}

const label = (value: number) => (value >= 1 ? String(value) : value.toPrecision(1));

/** The chart's SVG figure; '' where no row can be placed (untimed, or no FLOPs). */
export function rooflineSvg(profile: RuntimeProfile, title: string, colours: Record<LayerKind, string>): string {
  const points = rooflinePoints(profile);
  if (points.length === 0) return '';
  const ceiling = profile.peak?.gflops;
  const xs = points.map((point) => point.intensity);
  const ys = [...points.map((point) => point.gflops), ...(ceiling ? [ceiling] : [])];
  const [xLow, xHigh] = [decades(Math.min(...xs), Math.max(...xs)).at(0)!, decades(Math.min(...xs), Math.max(...xs)).at(-1)!];
  const [yLow, yHigh] = [decades(Math.min(...ys), Math.max(...ys)).at(0)!, decades(Math.min(...ys), Math.max(...ys) * 1.5).at(-1)!];
  const span = (low: number, high: number) => Math.max(1e-9, Math.log10(high) - Math.log10(low));
  const x = (value: number) => PAD.left + ((Math.log10(value) - Math.log10(xLow)) / span(xLow, xHigh)) * (W - PAD.left - PAD.right);
  const y = (value: number) => H - PAD.bottom - ((Math.log10(value) - Math.log10(yLow)) / span(yLow, yHigh)) * (H - PAD.top - PAD.bottom);
  const parts = [`<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#888"/>`, `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#888"/>`];
  for (const tick of decades(xLow, xHigh)) parts.push(`<text x="${x(tick).toFixed(1)}" y="${H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${label(tick)}</text>`);
  for (const tick of decades(yLow, yHigh)) parts.push(`<text x="${PAD.left - 4}" y="${(y(tick) + 3).toFixed(1)}" font-size="10" text-anchor="end">${label(tick)}</text>`, `<line x1="${PAD.left}" y1="${y(tick).toFixed(1)}" x2="${W - PAD.right}" y2="${y(tick).toFixed(1)}" stroke="#eee"/>`);
  parts.push(`<text x="${(W + PAD.left) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">arithmetic intensity (FLOP/byte, log)</text>`, `<text x="12" y="${(H - PAD.bottom + PAD.top) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(H - PAD.bottom + PAD.top) / 2})">GFLOP/s (log)</text>`);
  if (ceiling && profile.peak) {
    parts.push(`<g class="ceiling" data-gflops="${ceiling}"><line x1="${PAD.left}" y1="${y(ceiling).toFixed(1)}" x2="${W - PAD.right}" y2="${y(ceiling).toFixed(1)}" stroke="#111" stroke-dasharray="6 3"/><text x="${W - PAD.right - 2}" y="${(y(ceiling) - 4).toFixed(1)}" font-size="10" text-anchor="end">${e(`peak ${ceiling.toPrecision(3)} GFLOP/s (${profile.peak.source.split(',')[0]})`)}</text></g>`);
  }
  for (const point of points) {
    parts.push(`<circle class="layer" data-kind="${point.kind}" cx="${x(point.intensity).toFixed(1)}" cy="${y(point.gflops).toFixed(1)}" r="4" fill="${colours[point.kind]}" fill-opacity="0.8"><title>${e(`${point.label} (${point.kind}): ${point.intensity.toFixed(1)} FLOP/byte, ${point.gflops.toPrecision(3)} GFLOP/s${point.percent === null ? '' : point.percent > 100 ? ', above the probe (no ceiling for this layer)' : `, ${peakShareText(point.percent)} of peak`}`)}</title></circle>`);
  }
  return `<figure class="roofline"><figcaption>${e(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W}px" role="img" aria-label="${e(title)}">${parts.join('')}</svg></figure>`;
}
