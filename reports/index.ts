/**
 * Renderers of a run record. Every one reads the record alone (plus earlier
 * records for trends): HTML for people, markdown for CI comments, JSON for
 * dashboards.
 */
export { writeHtmlReport, renderHtml, type HtmlReportOptions } from './html.ts';
export { renderMarkdown, renderComparisonMarkdown } from './markdown.ts';
export { toBenchmarkJson, type BenchmarkEntry } from './benchmark-json.ts';
export { buildReportData, type ReportData, type ChartSpec, type ModelReport } from './data.ts';
export type { TableRow } from './table-row.ts';
export { summarizeModel, type DeviceSummary } from './summary.ts';
export { viewerScript } from './bundle.ts';
