/**
 * Delegation coverage on tflite-node: how many of a file's ops the XNNPACK
 * delegate took and which it left to TFLite's own kernels. TFLite 2.9's
 * release library does not log it ("Replacing N node(s) with delegate" is a
 * debug-build line there), so the project's plugin counts it
 * (./xnnpack-plugin.c, asked with EDGEBENCH_XNNPACK_COVERAGE=1) and prints
 * one line to the native stderr, which only a child process's parent can
 * read: the file is opened once in a child (./tflite-coverage-child.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Coverage } from '../../harness/core/profile.ts';
import { builtinOperatorName } from '../../models/tflite/schema.ts';
import { COVERAGE_CHILD_TREE, workerBundle } from './worker-bundle.ts';

const CHILD = fileURLToPath(new URL('./tflite-coverage-child.ts', import.meta.url));
const PLUGIN_LINE = /^edgebench-xnnpack-coverage: nodes=(-?\d+) status=(-?\d+) left=([\d,]*) partitions=(\d+)\s*$/m;
/** TFLite's own line (debug builds, newer releases, benchmark_model). */
const TFLITE_LINE = /Replacing (\d+) out of (\d+) node\(s\) with delegate \(([^)]+)\) node, yielding (\d+) partitions|Replacing (\d+) node\(s\) with delegate \(([^)]+)\) node, yielding (\d+) partitions/g;

function tally(names: string[]): Record<string, number> {
  const left: Record<string, number> = {};
  for (const name of names) left[name] = (left[name] ?? 0) + 1;
  return left;
}

/**
 * The coverage in a tflite-node child's stderr: the plugin's line (exact: the
 * ops left are named), else TFLite's own "Replacing …" line (counts only;
 * `total` from the file where the line does not say it). Undefined when
 * neither is there (no delegate applied).
 */
export function parseCoverage(stderr: string, fileOps?: number): Coverage | undefined {
  const plugin = PLUGIN_LINE.exec(stderr);
  if (plugin) {
    const total = Number(plugin[1]);
    const codes = plugin[3] ? plugin[3].split(',').map(Number) : [];
    return {
      accelerator: 'XNNPACK',
      accelerated: total - codes.length,
      total,
      partitions: Number(plugin[4]),
      left: tally(codes.map(builtinOperatorName)),
      source: 'edgebench XNNPACK plugin (execution plan before and after the delegate)',
    };
  }
  const matches = [...stderr.matchAll(TFLITE_LINE)];
  const last = matches.at(-1);
  if (!last) return undefined;
  const accelerated = Number(last[1] ?? last[5]);
  const total = last[2] !== undefined ? Number(last[2]) : fileOps;
  if (total === undefined) return undefined;
  return {
    accelerator: last[3] ?? last[6]!,
    accelerated,
    total,
    partitions: Number(last[4] ?? last[7]),
    left: accelerated < total ? { '(not named by TFLite)': total - accelerated } : {},
    source: 'TFLite log: "Replacing … node(s) with delegate"',
  };
}

/** Opens `file` on tflite-node with XNNPACK in a child and reads the plugin's coverage line; rejects with the child's stderr when it has none. */
export async function tfliteNodeCoverage(file: string, options: { timeoutMs?: number } = {}): Promise<Coverage> {
  // The child's cached bundle starts without tsx (./worker-bundle.ts: ~0.5 CPU s less a child); through tsx where there is none.
  const bundle = await workerBundle(COVERAGE_CHILD_TREE);
  const args = bundle ? [bundle, file] : ['--import', import.meta.resolve('tsx'), CHILD, file];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, EDGEBENCH_XNNPACK_COVERAGE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 1 << 20) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const coverage = parseCoverage(stderr);
      if (coverage) resolve(coverage);
      else reject(new Error(`tflite-node reported no delegation coverage for ${file} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`));
    });
  });
}
