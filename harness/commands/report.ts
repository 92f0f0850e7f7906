/**
 * `bench report [run-id]`: renders a run record. HTML (default) goes to
 * `<out>/runs/<id>/report.html`; markdown and the github-action-benchmark
 * JSON go to stdout, or to --output.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { commonArgs, setup } from './common.ts';
import { UserError } from '../core/errors.ts';
import { loadHistory, resolveRun } from '../history.ts';
import { currentOutput } from '../core/output.ts';

const FORMATS = ['html', 'md', 'json'] as const;
type Format = (typeof FORMATS)[number];

export default defineCommand({
  meta: { name: 'report', description: 'Render a run as a self-contained HTML report, a markdown summary (--format md) or benchmark JSON (--format json)' },
  args: {
    ...commonArgs,
    run: { type: 'positional', required: false, description: 'Run id or run.json path (default: the newest run)' },
    format: { type: 'string', description: 'html (default), md (CI comment) or json (github-action-benchmark customSmallerIsBetter)', valueHint: 'html|md|json' },
    output: { type: 'string', description: 'Write here instead of the default (html: <out>/runs/<id>/report.html; md/json: stdout)', valueHint: 'file' },
    history: { type: 'string', description: 'Earlier runs shown in the trend (default 20; 0 for none)', valueHint: 'n' },
  },
  async run({ args }) {
    // Only read up front: a report is quick, and a folder with no runs must not be created just to say so.
    // A write that fails (a read-only folder, a full disk) is still one line naming the path (cli.ts).
    const { log, out, cwd } = await setup(args, {}, undefined, { out: 'read' });
    const format = (args.format ?? 'html') as Format;
    if (!FORMATS.includes(format)) throw new UserError(`--format must be one of ${FORMATS.join(', ')} (got "${args.format}")`, 'REPORT_FORMAT');
    const limit = args.history === undefined ? 20 : Number(args.history);
    if (!Number.isInteger(limit) || limit < 0) throw new UserError(`--history must be a whole number of runs (got "${args.history}")`, 'REPORT_HISTORY');
    const { record, path: recordPath } = await resolveRun(out, args.run, { cwd });
    log.debug(`record: ${recordPath}`);
    if (record.status !== 'complete') log.warn(`run ${record.runId} is ${record.status}: reporting what it measured`);
    const history = limit > 0 ? await loadHistory(out, record, { limit }) : [];
    const output = args.output ? resolve(cwd, args.output) : undefined;

    if (format === 'html') {
      const { writeHtmlReport } = await import('../../reports/html.ts');
      const path = await writeHtmlReport(record, { out, history, ...(output ? { path: output } : {}) });
      log.info(`report: ${path}`);
      log.result({ runId: record.runId, format, path });
      return;
    }
    let text: string;
    if (format === 'md') {
      const { renderMarkdown } = await import('../../reports/markdown.ts');
      text = renderMarkdown(record, { history });
    } else {
      const { toBenchmarkJson } = await import('../../reports/benchmark-json.ts');
      text = `${JSON.stringify(toBenchmarkJson(record), null, 2)}\n`;
    }
    if (output) {
      await mkdir(dirname(output), { recursive: true });
      await writeFile(output, text);
      log.info(`${format === 'md' ? 'markdown' : 'benchmark JSON'}: ${output}`);
      log.result({ runId: record.runId, format, path: output });
    } else {
      // The document itself is the command's output; --json would wrap it in a second document.
      currentOutput().stdout(text);
    }
  },
});
