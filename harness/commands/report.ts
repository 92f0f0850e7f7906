/**
 * `bench report [run-id]`: renders a run record. HTML (default) goes to
 * `<out>/runs/<id>/report.html`; markdown and the github-action-benchmark
 * JSON go to stdout, or to --output.
 */
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineCommand } from 'citty';
import { commonArgs, countFlag, setup, type CommandIo } from './common.ts';
import { UserError } from '../core/errors.ts';
import { writeFileAtomic } from '../core/safe-fs.ts';
import { loadHistory, resolveRun } from '../history.ts';
import type { RunRecord } from '../core/record.ts';

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
    merge: { type: 'string', description: 'Runs from several hosts in one report, comma-separated run folders or run.json paths, each optionally labelled (lab-a=/path/run); each device keeps its host (docs/browsers.md)', valueHint: 'runs' },
  },
  async run({ args, data }) {
    // Only read up front: a report is quick, and a folder with no runs must not be created just to say so.
    // A write that fails (a read-only folder, a full disk) is still one line naming the path (cli.ts).
    const { log, out, cwd, stdout } = await setup(args, undefined, data as CommandIo | undefined, { out: 'read' });
    const format = (args.format ?? 'html') as Format;
    if (!FORMATS.includes(format)) throw new UserError(`--format must be one of ${FORMATS.join(', ')} (got "${args.format}")`, 'REPORT_FORMAT');
    const limit = countFlag(args, 'history', { min: 0, max: 1000, what: 'runs', code: 'REPORT_HISTORY' }) ?? 20;
    const { record, path: recordPath } = args.merge ? await mergedRun(String(args.merge), cwd) : await resolveRun(out, args.run, { cwd });
    log.debug(`record: ${recordPath}`);
    if (record.status !== 'complete') log.warn(`run ${record.runId} is ${record.status}: reporting what it measured`);
    const history = limit > 0 && !args.merge ? await loadHistory(out, record, { limit }) : [];
    const output = args.output ? outputFile(resolve(cwd, args.output)) : undefined;

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
      writeFileAtomic(output, text);
      log.info(`${format === 'md' ? 'markdown' : 'benchmark JSON'}: ${output}`);
      log.result({ runId: record.runId, format, path: output });
    } else {
      // The document itself is the command's output; --json would wrap it in a second document.
      stdout(text);
    }
  },
});

/**
 * `--output` must name a file: a folder (`--output /tmp`) is refused before
 * anything is written, where the write would otherwise leave a temporary
 * file beside the folder (`/tmp.<pid>.tmp` at the root).
 */
function outputFile(path: string): string {
  let folder = false;
  try {
    folder = statSync(path).isDirectory();
  } catch {
    // Not there yet: it will be made.
  }
  if (folder) throw new UserError(`--output ${path} is a folder: name a file in it (e.g. ${path.replace(/\/+$/, '')}/report.html)`, 'REPORT_OUTPUT');
  return path;
}

/** `--merge a,b`: the runs merged (harness/merged-run.ts). */
async function mergedRun(argument: string, cwd: string): Promise<{ record: RunRecord; path: string }> {
  const { readMergedRun } = await import('../merged-run.ts');
  return readMergedRun(argument, cwd);
}
