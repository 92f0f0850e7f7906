/**
 * `bench history`: the runs kept under `<out>/runs`, oldest first.
 */
import { defineCommand } from 'citty';
import { commonArgs, countFlag, setup, type CommandIo } from './common.ts';
import { listRuns, type RunSummary } from '../history.ts';
import { runsDir } from '../core/layout.ts';

export default defineCommand({
  meta: { name: 'history', description: 'List the benchmark runs kept under <out>/runs' },
  args: {
    ...commonArgs,
    limit: { type: 'string', description: 'Show only the newest N runs', valueHint: 'n' },
  },
  async run({ args, data }) {
    const limit = countFlag(args, 'limit', { min: 1, max: 1_000_000, what: 'runs' });
    const { log, out } = await setup(args, undefined, data as CommandIo | undefined, { out: 'read' });
    const { runs, skipped } = await listRuns(out);
    const shown = limit !== undefined ? runs.slice(-limit) : runs;
    for (const entry of skipped) log.warn(`skipped ${entry.path}: ${entry.reason}`);
    if (runs.length === 0) log.info(`no runs under ${runsDir(out)} yet: \`bench run\` or \`bench all\` makes one`);
    else printRuns(shown, log.info);
    log.result({ runs: shown, skipped });
  },
});

function printRuns(runs: RunSummary[], line: (text: string) => void): void {
  const header = ['run', 'started', 'status', 'measured', 'failed', 'git', 'models'];
  const rows = runs.map((run) => [
    run.runId,
    run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    run.status,
    String(run.measurements),
    String(run.failures),
    run.git ? `${run.git.commit.slice(0, 8)}${run.git.dirty ? '+dirty' : ''}` : '-',
    run.models.join(',') || '-',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) line(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
