/**
 * The Node target: one device (this host) and the runtimes of
 * ./runtimes.ts. Each job runs in its own worker process by default, so a
 * native crash or a hang fails that job only, peak RSS is per job and
 * memory is returned between jobs.
 */
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResolvedConfig } from '../../harness/core/config.ts';
import { hostDevice } from '../../harness/core/host.ts';
import { keyId } from '../../harness/core/record.ts';
import { failed, measured } from '../result.ts';
import type { AgreementReference, AgreementRequest, CpuPinning, DiscoveredDevice, Job, JobResult, JobSpec, KeyOptions, PairJob, PairJobResult, Target, TargetContext } from '../types.ts';
import { measureAbOnNode } from './ab.ts';
import { measureAbAcrossTrees } from './ab-trees.ts';
import { pinCommand } from './affinity.ts';
import { executeJob, isAborted, probeInWorker, type ExecuteOptions } from './execute.ts';
import type { NodeJobSpec, ProbedRuntime } from './protocol.ts';
import { DEFAULT_RUNTIME_MODULE } from './runtimes.ts';

export { DEFAULT_RUNTIME_MODULE } from './runtimes.ts';
export { isAborted } from './execute.ts';

export interface NodeTargetOptions {
  /**
   * Module URLs, each exporting `runtimes: NodeRuntime[]`; a later module's
   * runtime replaces an earlier one of the same name. Default: ./runtimes.ts.
   * Modules rather than objects, so that the worker process can import them.
   */
  runtimeModules?: string[];
  /** Run each job in its own worker process (default true). False: in this process (no crash isolation). */
  isolate?: boolean;
}

/** Threads for runtimes that take a count: `run.threads`, else every core. */
export function threadsFor(config: ResolvedConfig): number {
  return config.run.threads ?? os.availableParallelism();
}

export function createNodeTarget(options: NodeTargetOptions = {}): Target {
  const runtimeModules = options.runtimeModules ?? [DEFAULT_RUNTIME_MODULE];
  const isolate = options.isolate ?? true;
  const device = hostDevice();
  const probed = new Map<string, ProbedRuntime>();

  return {
    kind: 'node',

    async discover(context: TargetContext): Promise<DiscoveredDevice[]> {
      try {
        const timeouts = context.config.timeouts.node;
        // A run whose --backends names runtimes probes those alone: the plan takes no other (harness/plan.ts), and `bench devices` names none.
        const runtimes = await probeInWorker(runtimeModules, threadsFor(context.config), { timeouts }, { isolate, timeoutMs: timeouts.probeMs, signal: context.signal }, context.config.run.backends);
        // Kept beside what an earlier discovery found: one that named other --backends leaves those runtimes' facts in place.
        for (const runtime of runtimes) probed.set(runtime.runtime, runtime);
        return [{ device, usable: true, runtimes: runtimes.map(({ keyOptions: _keyOptions, workerEnv: _workerEnv, ...status }) => status) }];
      } catch (error) {
        return [{ device, usable: false, reason: `cannot probe the Node runtimes: ${(error as Error).message}`, runtimes: [] }];
      }
    },

    /** On the fastest exact TF.js engine installed, in a worker process (./reference.ts). */
    async reference(request: AgreementRequest, context: TargetContext): Promise<AgreementReference> {
      const { ensureReference } = await import('./reference.ts');
      return ensureReference({ ...request, config: context.config, log: context.log, out: context.out, signal: context.signal });
    },

    /** Each worker process started under `taskset` (./affinity.ts). */
    cpuPinning(cpus: readonly number[]): CpuPinning {
      const pinned = pinCommand(cpus);
      return 'reason' in pinned ? { applied: false, reason: pinned.reason } : { applied: true };
    },

    keyOptions(job: JobSpec): KeyOptions {
      // The runtime's own key options (from the probe: its threads, its GPU adapter) sit between the batch size and the job's.
      return { batch: job.kernel.batchSize, ...probed.get(job.runtime)?.keyOptions, ...job.runtimeOptions };
    },

    async run(job: Job, context: TargetContext): Promise<JobResult> {
      const spec = nodeSpec(job, context);
      const startedAt = new Date().toISOString();
      const id = keyId(job.key);
      // Sustained mode: the host's frequencies and temperatures read alongside, dated from the loop's start (./host-sustained.ts).
      const sustained = context.config.run.sustained !== undefined ? (await import('./host-sustained.ts')).hostSustained() : undefined;
      const execute = executeOptions(job, context);
      const outcome = await executeJob(spec, sustained ? { ...execute, onPhase: (phase) => (execute.onPhase?.(phase), sustained.phase(phase)) } : execute);
      const series = await sustained?.finish(outcome.ok ? outcome.result.samples : []);
      if (!outcome.ok) {
        if (!isAborted(outcome)) context.log.debug(`${id}: failed in ${outcome.phase}: ${outcome.error.message}`);
        return failed(job, outcome.phase, outcome.error);
      }
      // What the runtime really ran on (the GPU adapter) joins the device block as discovered.
      const measuredOn = outcome.device ? { ...job.device, ...(outcome.device.gpu ? { gpu: outcome.device.gpu } : {}), extra: { ...job.device.extra, ...outcome.device.extra } } : job.device;
      const result = measured(job, outcome.result, { startedAt, device: measuredOn });
      if (result.ok && series) result.measurement.sustained = series;
      return result;
    },

    /** A and B in one worker, alternated per iteration; the processes in turn (./ab.ts). */
    async runPair(pair: PairJob, context: TargetContext): Promise<PairJobResult> {
      if (pair.baselineTree) {
        // A's worker and runtimes are its tree's: alternating processes (./ab-trees.ts).
        const tree = pair.baselineTree;
        const a = nodeSpec(pair.a, context);
        const inTree = { ...a, runtimeModules: a.runtimeModules.map((module) => (module === DEFAULT_RUNTIME_MODULE ? pathToFileURL(join(tree, 'targets', 'node', 'runtimes.ts')).href : module)) };
        const outcome = await measureAbAcrossTrees({ a: inTree, b: nodeSpec(pair.b, context), aWorker: join(tree, 'targets', 'node', 'worker.ts'), processes: pair.processes, execute: { ...executeOptions(pair.b, context), isolate: true } });
        return outcome.ok ? { ok: true, processes: outcome.processes, design: 'alternating processes', ...(outcome.evaluation ? { evaluation: outcome.evaluation } : {}) } : outcome;
      }
      const outcome = await measureAbOnNode({ a: nodeSpec(pair.a, context), b: nodeSpec(pair.b, context), processes: pair.processes, seed: pair.seed, execute: executeOptions(pair.b, context) });
      return outcome.ok ? { ok: true, processes: outcome.processes, design: 'in-process', ...(outcome.evaluation ? { evaluation: outcome.evaluation } : {}) } : outcome;
    },
  };

  /** What the worker needs of a job. */
  function nodeSpec(job: Job, context: TargetContext): NodeJobSpec {
    return {
      runtime: job.runtime,
      runtimeModules,
      artifactPath: job.artifact.path,
      metadata: job.metadata,
      evalPackDir: job.evalPackDir,
      ...(job.referencePath ? { referencePath: job.referencePath } : {}),
      kernel: job.kernel,
      threads: threadsFor(context.config),
      ...(job.retrain ? { retrain: job.retrain } : {}),
    };
  }

  /** How a job's worker runs: isolated, pinned, with the runtime's environment, bounded by the job timeout. */
  function executeOptions(job: Job, context: TargetContext): ExecuteOptions {
    const id = keyId(job.key);
    const pinned = context.config.run.cpus ? pinCommand(context.config.run.cpus) : undefined;
    const workerEnv = probed.get(job.runtime)?.workerEnv;
    return {
      isolate,
      ...(pinned && 'execPath' in pinned ? { pin: pinned } : {}),
      ...(workerEnv ? { env: workerEnv } : {}),
      timeoutMs: context.config.run.jobTimeoutMs,
      signal: context.signal,
      onPhase: (phase) => context.log.debug(`${id}: ${phase}`),
      onOutput: (line) => context.log.debug(`${id} | ${line}`),
    };
  }
}