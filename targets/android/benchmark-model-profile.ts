/**
 * benchmark_model's own op profile (`--enable_op_profiling=true`, or
 * `--use_profiler=true` in LiteRT builds) and its delegate summary, parsed
 * into the profile rows every runtime's profile uses. Tables are read by
 * their bracketed header names, not column positions: builds add or drop
 * columns ([start] went away in LiteRT). Lines may carry a log prefix before
 * the first tab (logcat's `I tflite  : `).
 */
import { kindOfOp } from '../../harness/core/layer-kind.ts';
import type { Coverage, ProfileRow } from '../../harness/core/profile.ts';

export interface BenchmarkOpProfile {
  /** The "Run Order" table: one row per node executed each inference (AllocateTensors and other once-only rows left out). */
  rows: ProfileRow[];
  /** The "Summary by node type" table. */
  byType: { type: string; count: number; ms: number; percent: number }[];
  /** The profiled runs' own average (`Timings (microseconds): … avg=`), ms. */
  profiledAvgMs?: number;
  coverage?: Coverage;
}

interface Table {
  header: string[];
  rows: string[][];
}

/** The table under the `==== <title> ====` line, cells by header name. */
function table(lines: string[], title: string): Table | undefined {
  const start = lines.findIndex((line) => new RegExp(`=+ ${title} =+`).test(line));
  if (start < 0) return undefined;
  const cells = (line: string) => line.split('\t').slice(1).map((cell) => cell.trim());
  const header = cells(lines[start + 1] ?? '').map((cell) => cell.replace(/^\[|\]$/g, '').toLowerCase());
  if (header.length < 3) return undefined;
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    const row = cells(line);
    if (row.length !== header.length) break;
    rows.push(row);
  }
  return { header, rows };
}

const number = (text: string | undefined) => (text === undefined ? NaN : Number.parseFloat(text.replace('%', '')));

/** TFLite's delegate lines, newest wording first. */
function coverageOf(text: string): Coverage | undefined {
  const replaced = [...text.matchAll(/Replacing (\d+) out of (\d+) node\(s\) with delegate \(([^)]+)\) node, yielding (\d+) partitions/g)].at(-1);
  if (replaced) {
    const [accelerated, total] = [Number(replaced[1]), Number(replaced[2])];
    return {
      accelerator: replaced[3]!,
      accelerated,
      total,
      partitions: Number(replaced[4]),
      left: accelerated < total ? { '(not named by benchmark_model)': total - accelerated } : {},
      source: 'benchmark_model: "Replacing N out of M node(s) with delegate"',
    };
  }
  return undefined;
}

/** Parses benchmark_model's output; rows are empty when it was run without op profiling. */
export function parseBenchmarkOpProfile(text: string): BenchmarkOpProfile {
  // TFLite builds print the initialisation's tables first (AllocateTensors, ModifyGraphWithDelegate): the runs' come after this line.
  const runs = text.indexOf('Operator-wise Profiling Info for Regular Benchmark Runs');
  const lines = (runs >= 0 ? text.slice(runs) : text).split(/\r?\n/);
  const runOrder = table(lines, 'Run Order');
  const rows: ProfileRow[] = [];
  if (runOrder) {
    const column = (name: string) => runOrder.header.indexOf(name);
    const [type, avg, called, name] = [column('node type'), column('avg ms'), column('times called'), column('name')];
    for (const cells of runOrder.rows) {
      const times = number(cells[called]);
      if (times === 0) continue; // AllocateTensors and friends: once per session, not per inference
      const nodeType = cells[type] ?? '';
      rows.push({ name: cells[name] || nodeType, kind: kindOfOp(nodeType), ms: number(cells[avg]), count: Number.isFinite(times) ? times : 1 });
    }
  }
  const summary = table(lines, 'Summary by node type');
  const byType = summary
    ? summary.rows.map((cells) => {
        const at = (name: string) => cells[summary.header.indexOf(name)];
        return { type: at('node type') ?? '', count: number(at('count')), ms: number(at('avg ms')), percent: number(at('avg %')) };
      })
    : [];
  const timings = /Timings \(microseconds\):.*\bavg=([\d.e+]+)/.exec(lines.join('\n'));
  const coverage = coverageOf(text);
  return { rows, byType, ...(timings ? { profiledAvgMs: Number(timings[1]) / 1000 } : {}), ...(coverage ? { coverage } : {}) };
}
