/**
 * The official TFLite `benchmark_model` tool: the command line we run on the
 * phone and a pure parser of what it prints. Its output varies by version:
 * lines may carry an `INFO: ` (or logcat `I tflite  : `) prefix; newer builds
 * add `p5= median= p95=` to each statistics line; memory is reported as a
 * footprint delta (`Memory footprint delta …` or, in older builds,
 * `Peak memory footprint (MB): …`) and, with --report_peak_memory_footprint,
 * as a periodically sampled absolute peak. Times are in microseconds.
 */

/** One `count=… first=… curr=… min=… max=… avg=… std=… [p5=… median=… p95=…]` line, µs. */
export interface BenchmarkStatLine {
  count: number;
  first?: number;
  curr?: number;
  min?: number;
  max?: number;
  avg?: number;
  std?: number;
  p5?: number;
  median?: number;
  p95?: number;
}

export interface BenchmarkModelResult {
  /** `Inference timings in us: Init: …` */
  initUs: number;
  firstInferenceUs: number;
  warmupAvgUs: number;
  inferenceAvgUs: number;
  /** The warm-up phase's statistics line, when printed. */
  warmup?: BenchmarkStatLine;
  /** The measured runs' statistics line. */
  runs: BenchmarkStatLine;
  /** `Memory footprint delta from the start of the tool (MB): init=… overall=…` (max RSS growth), MB. */
  footprintDeltaMb?: { init: number; overall: number };
  /** `Overall peak memory footprint (MB) via periodic monitoring: …`, MB. */
  peakMemoryMb?: number;
  /** `The input model file size (MB): …` */
  modelSizeMb?: number;
  /** Delegate lines (`Created TensorFlow Lite XNNPACK delegate for CPU.`, `Replacing 58 out of 58 node(s) …`). */
  delegateNotes: string[];
}

/** A number as the tool prints it (`7234.99`, `2.95034e+06`). */
function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Drops `INFO: `, `VERBOSE: `, `I tflite  : ` style prefixes and surrounding blanks. */
function stripPrefix(line: string): string {
  return line
    .trim()
    .replace(/^(?:[IWEDV]\s+\S+\s*:\s+)/, '')
    .replace(/^(?:INFO|VERBOSE|WARNING|ERROR):\s*/, '')
    .trim();
}

export function parseStatLine(line: string): BenchmarkStatLine | null {
  if (!/^count=\d+/.test(line)) return null;
  const fields: Record<string, number | undefined> = {};
  for (const match of line.matchAll(/(\w+)=([-+\d.eE]+)/g)) fields[match[1]!] = num(match[2]);
  const stat: BenchmarkStatLine = { count: fields.count ?? 0 };
  for (const key of ['first', 'curr', 'min', 'max', 'avg', 'std', 'p5', 'median', 'p95'] as const) {
    if (fields[key] !== undefined) stat[key] = fields[key];
  }
  // `count=1 curr=1234` (all runs equal): every statistic is that one value.
  if (stat.avg === undefined && stat.curr !== undefined && (/\(all same\)/.test(line) || stat.count === 1)) {
    stat.first ??= stat.curr;
    stat.min = stat.max = stat.avg = stat.curr;
    stat.std = 0;
  }
  return stat;
}

/** Parses the whole output; throws an Error quoting the tool's own error lines when it did not finish. */
export function parseBenchmarkModelOutput(text: string): BenchmarkModelResult {
  const lines = text.split(/\r?\n/).map(stripPrefix);
  const statLines: BenchmarkStatLine[] = [];
  let summary: RegExpExecArray | null = null;
  const result: Partial<BenchmarkModelResult> & { delegateNotes: string[] } = { delegateNotes: [] };
  for (const line of lines) {
    // Statistics lines count only before the summary: op-profiling tables that follow repeat the format.
    const stat = summary ? null : parseStatLine(line);
    if (stat) statLines.push(stat);
    const timings = /^Inference timings in us: Init: ([-+\d.eE]+), First inference: ([-+\d.eE]+), Warmup \(avg\): ([-+\d.eE]+|nan|-?inf), Inference \(avg\): ([-+\d.eE]+)/i.exec(line);
    if (timings && !summary) summary = timings;
    const delta = /^(?:Memory footprint delta from the start of the tool|Peak memory footprint) \(MB\): init=([-+\d.eE]+) overall=([-+\d.eE]+)/.exec(line);
    if (delta) result.footprintDeltaMb = { init: num(delta[1]) ?? 0, overall: num(delta[2]) ?? 0 };
    const peak = /^Overall peak memory footprint \(MB\) via periodic monitoring: ([-+\d.eE]+)/.exec(line);
    if (peak) result.peakMemoryMb = num(peak[1]);
    const size = /^The input model file size \(MB\): ([-+\d.eE]+)/.exec(line);
    if (size) result.modelSizeMb = num(size[1]);
    if (/delegate/i.test(line) && /^(Created|Replacing|Explicitly applied|Though|Failed to apply)/.test(line)) result.delegateNotes.push(line);
  }
  if (!summary || statLines.length === 0) {
    const errors = lines.filter((line) => /error|failed|could not|cannot|not found/i.test(line)).slice(0, 5);
    throw new Error(`benchmark_model did not report timings${errors.length ? `: ${errors.join(' | ')}` : ' (output ended early: wrong ABI, missing model, or the delegate could not be applied)'}`);
  }
  return {
    initUs: num(summary[1]) ?? 0,
    firstInferenceUs: num(summary[2]) ?? 0,
    warmupAvgUs: num(summary[3]) ?? 0,
    inferenceAvgUs: num(summary[4]) ?? 0,
    ...(statLines.length > 1 ? { warmup: statLines[statLines.length - 2]! } : {}),
    runs: statLines[statLines.length - 1]!,
    ...(result.footprintDeltaMb ? { footprintDeltaMb: result.footprintDeltaMb } : {}),
    ...(result.peakMemoryMb !== undefined ? { peakMemoryMb: result.peakMemoryMb } : {}),
    ...(result.modelSizeMb !== undefined ? { modelSizeMb: result.modelSizeMb } : {}),
    delegateNotes: result.delegateNotes,
  };
}

export type BenchmarkDelegate = 'xnnpack' | 'gpu' | 'none';

export interface BenchmarkModelArgs {
  graph: string;
  threads: number;
  delegate: BenchmarkDelegate;
  warmupRuns: number;
  /** At least this many measured runs … */
  numRuns: number;
  /** … and at least this long (seconds) … */
  minSecs: number;
  /** … but stop after this long (seconds). */
  maxSecs: number;
  /** Print the op profile too (`bench profile`; ./benchmark-model-profile.ts parses it). */
  opProfiling?: boolean;
}

/** The flags we pass; each is documented in the tool's README (tensorflow/lite/tools/benchmark). */
export function benchmarkModelFlags(args: BenchmarkModelArgs): string[] {
  return [
    `--graph=${args.graph}`,
    `--num_threads=${args.threads}`,
    `--use_xnnpack=${args.delegate === 'xnnpack'}`,
    ...(args.delegate === 'gpu' ? ['--use_gpu=true'] : []),
    `--warmup_runs=${args.warmupRuns}`,
    `--num_runs=${args.numRuns}`,
    `--min_secs=${args.minSecs}`,
    `--max_secs=${args.maxSecs}`,
    '--report_peak_memory_footprint=true',
    ...(args.opProfiling ? ['--enable_op_profiling=true'] : []),
  ];
}
