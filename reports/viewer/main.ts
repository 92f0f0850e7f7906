/**
 * The report viewer: runs in the page. Reads the report data embedded by
 * reports/html.ts, draws every chart into its `[data-chart]` box with
 * ECharts (SVG renderer: crisp when printed or zoomed, no canvas), and makes
 * the comparison tables sortable. Bundled once by reports/bundle.ts and
 * inlined, so the page works offline from disk.
 */
import * as echarts from 'echarts/core';
import { BarChart, BoxplotChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { ChartSpec, ReportData } from '../data.ts';
import { legendRows } from '../chart-layout.ts';
import { formatBytes, formatMs } from '../../harness/core/format.ts';
import { escapeHtml } from '../escape.ts';

echarts.use([BarChart, BoxplotChart, HeatmapChart, LineChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];
const FONT = { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', fontSize: 12 };

type Option = echarts.EChartsCoreOption;

function base(): Option {
  return { animation: false, color: PALETTE, textStyle: FONT, tooltip: { confine: true } };
}

function boxOption(spec: Extract<ChartSpec, { kind: 'box' }>): Option {
  const lows = spec.boxes.map((box) => box[0]).filter((value) => value > 0);
  const highs = spec.boxes.map((box) => box[4]);
  // Runtimes can differ by 100×: a log axis keeps the fast ones readable next to the slow ones.
  const logScale = lows.length === spec.boxes.length && Math.max(...highs) / Math.min(...lows) > 20;
  return {
    ...base(),
    grid: { left: 12, right: 36, top: 12, bottom: 36, containLabel: true },
    xAxis: {
      ...(logScale ? { type: 'log', logBase: 10 } : { type: 'value', scale: true }),
      name: logScale ? 'ms (log scale)' : 'ms',
      nameLocation: 'middle',
      nameGap: 24,
      splitLine: { lineStyle: { color: '#e5e7eb' } },
    },
    yAxis: { type: 'category', data: spec.categories, inverse: true, axisLabel: { width: 320, overflow: 'truncate' } },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (params: { dataIndex: number }) => {
        const box = spec.boxes[params.dataIndex]!;
        const rows = ['min', 'Q1', 'p50', 'Q3', 'max'].map((name, index) => `${name} ${formatMs(box[index])}`);
        return `<b>${escapeHtml(spec.categories[params.dataIndex]!)}</b><br>${rows.join('<br>')}<br>${spec.counts[params.dataIndex]} samples`;
      },
    },
    series: [{ type: 'boxplot', data: spec.boxes, itemStyle: { color: '#dbeafe', borderColor: '#2563eb' }, boxWidth: [8, 28] }],
  };
}

/** An axis tick in ms: ticks are round numbers, so no fixed decimals; a second or more reads in seconds (14 s, not 14000 ms). */
function msTick(value: number): string {
  if (value === 0) return '0';
  // toPrecision drops the float noise of a division (0.30000000000000004).
  return Math.abs(value) >= 1000 ? `${Number((value / 1000).toPrecision(6))} s` : `${Number(value.toPrecision(6))} ms`;
}

/** The binary unit of the largest value: a bytes axis is drawn in it, so ECharts' round ticks are round in MiB (2, 4, 6 MiB), not in bytes (1.91, 3.81 MiB). */
function byteUnit(values: readonly (number | null)[]): { name: string; size: number } {
  const largest = Math.max(0, ...values.filter((value): value is number => value !== null));
  const units = [
    { name: 'GiB', size: 1024 ** 3 },
    { name: 'MiB', size: 1024 ** 2 },
    { name: 'KiB', size: 1024 },
  ];
  return units.find((unit) => largest >= unit.size) ?? { name: 'B', size: 1 };
}

function barOption(spec: Extract<ChartSpec, { kind: 'bar' }>): Option {
  // Ms values are drawn as they are; bytes in the unit of the largest. The tooltip shows the value with its unit once (formatMs and formatBytes carry it).
  const unit = spec.unit === 'ms' ? { name: 'ms', size: 1 } : byteUnit(spec.series.flatMap((series) => series.values));
  const tooltip = spec.unit === 'ms' ? (value: number) => formatMs(value) : (value: number) => formatBytes(value * unit.size);
  const tick = spec.unit === 'ms' ? msTick : (value: number) => (value === 0 ? '0' : `${Number(value.toPrecision(6))} ${unit.name}`);
  const categories = spec.horizontal
    ? // One line each down the side; a long one is cut with an ellipsis and shown whole in the tooltip.
      { type: 'category', data: spec.categories, inverse: true, axisLabel: { width: 440, overflow: 'truncate' } }
    : // Side by side: each label gets its band's width and wraps inside it rather than running into the next.
      { type: 'category', data: spec.categories, axisLabel: { interval: 0, width: Math.max(48, 520 / Math.max(1, spec.categories.length) - 8), overflow: 'break', lineHeight: 16 } };
  const values = { type: 'value', axisLabel: { formatter: tick, hideOverlap: true }, splitLine: { lineStyle: { color: '#e5e7eb' } } };
  return {
    ...base(),
    grid: { left: 12, right: 24, top: 36, bottom: 12, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (value: number) => tooltip(value) },
    xAxis: spec.horizontal ? values : categories,
    yAxis: spec.horizontal ? categories : values,
    series: spec.series.map((series) => ({
      type: 'bar',
      name: series.name,
      data: series.values.map((value) => (value === null ? null : value / unit.size)),
      barMaxWidth: spec.horizontal ? 22 : 48,
      ...(spec.stacked ? { stack: 'total' } : {}),
    })),
  };
}

function scatterOption(spec: Extract<ChartSpec, { kind: 'scatter' }>): Option {
  const xs = spec.series.flatMap((series) => series.points.map((point) => point.x));
  const logX = xs.length > 0 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 20;
  return {
    ...base(),
    // containLabel makes room for the tick labels, not for the axis name 40 px out: short ticks ("45") left it cut off at the edge.
    grid: { left: 36, right: 40, top: 36, bottom: 28, containLabel: true },
    legend: { top: 0 },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (params: { seriesIndex: number; dataIndex: number }) => {
        const point = spec.series[params.seriesIndex]!.points[params.dataIndex]!;
        return `<b>${escapeHtml(point.label)}</b><br>p50 ${formatMs(point.x)}<br>accuracy ${point.y.toFixed(1)}%`;
      },
    },
    // As in the box plots: a 20× spread of latencies squeezes the fast ones into one dot on a linear axis.
    xAxis: logX ? { type: 'log', logBase: 10, name: `${spec.xName}, log scale`, nameLocation: 'middle', nameGap: 24 } : { type: 'value', name: spec.xName, nameLocation: 'middle', nameGap: 24, scale: true },
    yAxis: { type: 'value', name: spec.yName, nameLocation: 'middle', nameGap: 40, scale: true, max: (extent: { max: number }) => Math.min(100, Math.ceil(extent.max + 0.5)) },
    series: spec.series.map((series) => ({
      type: 'scatter',
      name: series.name,
      symbolSize: 12,
      data: series.points.map((point) => [point.x, point.y]),
    })),
  };
}

function lineOption(spec: Extract<ChartSpec, { kind: 'line' }>): Option {
  const format = spec.unit === 'ms' ? (value: number) => formatMs(value) : (value: number) => `${value.toFixed(1)}%`;
  const values = spec.series.flatMap((series) => series.values).filter((value): value is number => value !== null);
  // Runtimes can differ by 100×: on a linear axis the fast ones lie flat on the floor.
  const logScale = spec.unit === 'ms' && values.length > 0 && Math.min(...values) > 0 && Math.max(...values) / Math.min(...values) > 20;
  const rows = legendRows(spec);
  return {
    ...base(),
    // Below the legend, room for the y axis's name over its top end (beside the ticks it ran into their widest label).
    grid: { left: 12, right: 40, top: 34 + 22 * rows, bottom: 28, containLabel: true },
    legend: { type: 'plain', top: 0, left: 0, right: 0, itemGap: 12, textStyle: { width: 250, overflow: 'truncate' } },
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (value: number | null) => (value === null ? '–' : format(value)) },
    // Runs sit in the middle of their bands: at the axis's ends the first run's date ran into the lowest y label.
    xAxis: { type: 'category', data: spec.x, name: spec.xName, nameLocation: 'middle', nameGap: 24, boundaryGap: true, axisLabel: { hideOverlap: true } },
    yAxis: {
      type: logScale ? 'log' : 'value',
      ...(logScale ? { logBase: 10 } : { scale: true }),
      name: logScale ? `${spec.yName}, log scale` : spec.yName,
      nameLocation: 'end',
      nameGap: 10,
      nameTextStyle: { align: 'left' },
    },
    series: spec.series.map((series) => ({ type: 'line', name: series.name, data: series.values, connectNulls: true, showSymbol: spec.x.length <= 40, symbolSize: 6 })),
  };
}

function heatmapOption(spec: Extract<ChartSpec, { kind: 'heatmap' }>): Option {
  const data: [number, number, number][] = [];
  let max = 0;
  spec.matrix.forEach((row, actual) =>
    row.forEach((count, predicted) => {
      data.push([predicted, actual, count]);
      max = Math.max(max, count);
    }),
  );
  // Long class names side by side overlap: slant them.
  const crowded = spec.labels.length * Math.max(...spec.labels.map((label) => label.length)) > 48;
  return {
    ...base(),
    grid: { left: 12, right: 24, top: 12, bottom: 56, containLabel: true },
    tooltip: {
      trigger: 'item',
      confine: true,
      formatter: (params: { value: [number, number, number] }) =>
        `actual <b>${escapeHtml(spec.labels[params.value[1]]!)}</b><br>predicted <b>${escapeHtml(spec.labels[params.value[0]]!)}</b><br>${params.value[2]} images`,
    },
    // Axis names are in the caption (rows: actual, columns: predicted): long class names leave no room.
    xAxis: { type: 'category', data: spec.labels, splitArea: { show: true }, axisLabel: { interval: 0, rotate: crowded ? 30 : 0 } },
    yAxis: { type: 'category', data: spec.labels, inverse: true, splitArea: { show: true }, axisLabel: { interval: 0 } },
    visualMap: { min: 0, max: Math.max(max, 1), calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#f8fafc', '#2563eb'] } },
    series: [{ type: 'heatmap', data, label: { show: true } }],
  };
}

function optionFor(spec: ChartSpec): Option {
  switch (spec.kind) {
    case 'box':
      return boxOption(spec);
    case 'bar':
      return barOption(spec);
    case 'scatter':
      return scatterOption(spec);
    case 'line':
      return lineOption(spec);
    case 'heatmap':
      return heatmapOption(spec);
  }
}


function drawCharts(data: ReportData): number {
  const specs = new Map(data.charts.map((spec) => [spec.id, spec]));
  const charts: echarts.ECharts[] = [];
  for (const box of document.querySelectorAll<HTMLElement>('[data-chart]')) {
    const spec = specs.get(box.dataset.chart!);
    if (!spec) {
      console.error(`report: no chart data for "${box.dataset.chart}"`);
      continue;
    }
    try {
      const chart = echarts.init(box, undefined, { renderer: 'svg' });
      chart.setOption(optionFor(spec));
      charts.push(chart);
      box.dataset.drawn = 'true';
    } catch (error) {
      box.textContent = `chart failed: ${(error as Error).message}`;
      console.error(error);
    }
  }
  window.addEventListener('resize', () => charts.forEach((chart) => chart.resize()));
  return charts.length;
}

/** Click a column header to sort by it; click again to reverse. Empty cells (failures) stay last. */
function makeSortable(table: HTMLTableElement): void {
  const body = table.tBodies[0];
  if (!body) return;
  table.querySelectorAll<HTMLTableCellElement>('th[data-sort]').forEach((header) => {
    header.tabIndex = 0;
    const sort = () => {
      const field = header.dataset.sort!;
      const numeric = header.dataset.type === 'number';
      const ascending = header.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th[aria-sort]').forEach((other) => other.removeAttribute('aria-sort'));
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const valueOf = (row: HTMLTableRowElement) => row.querySelector<HTMLElement>(`[data-field="${field}"]`)?.dataset.value ?? '';
      const rows = [...body.rows].sort((left, right) => {
        const a = valueOf(left);
        const b = valueOf(right);
        if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
        const order = numeric ? Number(a) - Number(b) : a.localeCompare(b);
        return ascending ? order : -order;
      });
      body.append(...rows);
    };
    header.addEventListener('click', sort);
    header.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        sort();
      }
    });
  });
}

function start(): void {
  const source = document.getElementById('report-data');
  if (!source?.textContent) {
    console.error('report: the embedded data is missing');
    return;
  }
  const data = JSON.parse(source.textContent) as ReportData;
  document.querySelectorAll<HTMLTableElement>('table.sortable').forEach(makeSortable);
  const drawn = drawCharts(data);
  document.body.dataset.chartsDrawn = String(drawn);
  document.body.dataset.ready = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
