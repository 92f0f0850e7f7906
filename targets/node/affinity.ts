/**
 * CPU affinity for the Node target's worker processes: on Linux the worker
 * is started through `taskset -c <cpus>`, so it and every thread it makes
 * (TF.js, TFLite and XNNPACK thread pools) stay on those CPUs from the first
 * instruction. Pinning keeps a job's threads off the cores the harness and
 * its neighbours use, one of the larger sources of run-to-run noise on a
 * small shared machine.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

/** How to start a pinned process: run `execPath` with `args` before the real command line. */
export interface PinCommand {
  execPath: string;
  args: string[];
}

let tasksetChecked: string | null | undefined;

/** Null when taskset runs here, else why not. */
function tasksetProblem(): string | null {
  if (tasksetChecked !== undefined) return tasksetChecked;
  const probe = spawnSync('taskset', ['--version'], { encoding: 'utf8' });
  tasksetChecked = probe.error ? `taskset is not on PATH (${probe.error.message}; it comes with util-linux)` : null;
  return tasksetChecked;
}

/** The command prefix that pins a process to `cpus`, or why this machine cannot. */
export function pinCommand(cpus: readonly number[]): PinCommand | { reason: string } {
  if (process.platform !== 'linux') return { reason: `CPU affinity is only applied on Linux (this is ${process.platform})` };
  const count = os.cpus().length;
  const outside = cpus.filter((cpu) => cpu >= count);
  if (outside.length) return { reason: `run.cpus names CPU ${outside.join(', ')}, but this machine has CPUs 0-${count - 1}` };
  const problem = tasksetProblem();
  if (problem) return { reason: problem };
  return { execPath: 'taskset', args: ['-c', [...new Set(cpus)].sort((a, b) => a - b).join(',')] };
}
