/**
 * How much room a chart's labels need, shared by the HTML writer (which sets
 * each chart box's height) and the viewer (which lays the chart out in it):
 * a chart with a category or a legend key per line grows with them, so no
 * two labels are drawn over each other. Pure; the viewer bundles it.
 */
import type { ChartSpec } from './data.ts';

/** Legend rows a line chart reserves above its plot: every key keeps its place (a scrolling legend hid all but two). About two long key names (`TF.js float32 · tfjs-wasm on host`) fit one row of a half-width chart. */
export function legendRows(spec: Extract<ChartSpec, { kind: 'line' }>): number {
  return Math.ceil(spec.series.length / 2);
}

/** A chart box's height in px. */
export function chartHeight(spec: ChartSpec | undefined): number {
  if (!spec) return 320;
  switch (spec.kind) {
    case 'box':
      return 70 + 30 * spec.categories.length;
    case 'bar':
      return spec.horizontal ? 90 + 34 * spec.categories.length : 320;
    case 'heatmap':
      return Math.max(300, 110 + 36 * spec.labels.length);
    case 'line':
      return 300 + 22 * legendRows(spec);
    case 'scatter':
      return 320;
  }
}
