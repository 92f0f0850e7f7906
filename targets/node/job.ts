/**
 * Runs one Node job in the current process: the worker calls this, and so
 * does the in-process mode tests use. Every failure comes back as data with
 * the phase it happened in.
 */
import { serializeError, type JobPhase } from '../../harness/core/record.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { measure, measurePair, PhaseError, retrain, SideError } from '../kernel/index.ts';
import type { NodeJobSpec, JobOutcome, NodePairSpec, PairOutcome, ProbedRuntime } from './protocol.ts';
import { readReferenceOutputs } from './reference-file.ts';
import type { NodeRuntime, NodeSession, ProbeContext } from './runtime-types.ts';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import { loadRuntimes } from './runtimes.ts';

export async function runNodeJob(job: NodeJobSpec, onPhase: (phase: JobPhase) => void = () => {}): Promise<JobOutcome> {
  try {
    onPhase('setup');
    const runtime = (await loadRuntimes(job.runtimeModules)).find((candidate) => candidate.name === job.runtime);
    if (!runtime) throw new Error(`no Node runtime named "${job.runtime}" in ${job.runtimeModules.join(', ')}`);
    const pack = await readEvalPack(job.evalPackDir);
    if (job.retrain) return await retrainJob(job, job.retrain, runtime, pack, onPhase);
    const images = Math.min(job.kernel.evalLimit ?? pack.count, pack.count);
    const reference = job.referencePath && job.kernel.evaluate !== false && images > 0 ? await readReferenceOutputs(job.referencePath, images) : undefined;
    let session: NodeSession | undefined;
    const result = await measure({
      load: async () => (session = await runtime.open({ artifactPath: job.artifactPath, metadata: job.metadata, threads: job.threads, batchSize: job.kernel.batchSize })),
      pack,
      ...(reference ? { reference } : {}),
      options: job.kernel,
      sampleRss: () => process.memoryUsage.rss(),
      onPhase,
    });
    if (!job.returnOutputs) delete result.outputs;
    // Asked after the measurement, so that finding it out is never timed; a runtime that cannot tell leaves the device block as discovered.
    const device = await (session as NodeSession | undefined)?.deviceFacts?.().catch(() => undefined);
    return { ok: true, result, ...(device ? { device } : {}) };
  } catch (error) {
    if (error instanceof PhaseError) return { ok: false, phase: error.phase, error: serializeError(error.cause) };
    return { ok: false, phase: 'setup', error: serializeError(error) };
  }
}

/**
 * Two artifacts on one runtime, timed alternately in this process; a failure
 * says which side. `loaded`: awaited once both are loaded (a parked worker's turn).
 */
export async function runNodePair(pair: NodePairSpec, onPhase: (phase: JobPhase) => void = () => {}, loaded?: () => Promise<void>): Promise<PairOutcome> {
  const { a, b } = pair;
  try {
    onPhase('setup');
    if (a.runtime !== b.runtime || a.threads !== b.threads) throw new Error(`a pair runs one runtime and thread count on both sides (A: ${a.runtime}, ${a.threads} threads; B: ${b.runtime}, ${b.threads})`);
    const runtime = (await loadRuntimes(b.runtimeModules)).find((candidate) => candidate.name === b.runtime);
    if (!runtime) throw new Error(`no Node runtime named "${b.runtime}" in ${b.runtimeModules.join(', ')}`);
    const side = async (name: 'a' | 'b', job: NodeJobSpec) => {
      try {
        const pack = await readEvalPack(job.evalPackDir);
        const images = Math.min(b.kernel.evalLimit ?? pack.count, pack.count);
        // A side whose own kernel does not evaluate (its accuracy reused) is timed only.
        const evaluates = pair.evaluate === true && job.kernel.evaluate !== false;
        const reference = evaluates && job.referencePath && images > 0 ? await readReferenceOutputs(job.referencePath, images) : undefined;
        return { pack, ...(reference ? { reference } : {}), ...(evaluates ? {} : { evaluate: false as const }), load: () => runtime.open({ artifactPath: job.artifactPath, metadata: job.metadata, threads: b.threads, batchSize: b.kernel.batchSize }) };
      } catch (error) {
        throw new SideError(name, 'setup', error);
      }
    };
    const result = await measurePair({ a: await side('a', a), b: await side('b', b), options: b.kernel, seed: pair.seed, first: pair.first, evaluate: pair.evaluate === true, sampleRss: () => process.memoryUsage.rss(), onPhase, ...(loaded ? { loaded } : {}) });
    return { ok: true, a: result.a, b: result.b, bFirst: result.bFirst, ...(result.evaluation ? { evaluation: result.evaluation } : {}) };
  } catch (error) {
    if (error instanceof SideError) return { ok: false, side: error.side, phase: error.phase, error: serializeError(error.cause) };
    if (error instanceof PhaseError) return { ok: false, side: 'both', phase: error.phase, error: serializeError(error.cause) };
    return { ok: false, side: 'both', phase: 'setup', error: serializeError(error) };
  }
}

/** The retrain workload on a runtime that can train (every TF.js backend). */
async function retrainJob(job: NodeJobSpec, spec: NonNullable<NodeJobSpec['retrain']>, runtime: NodeRuntime, evalPack: EvalPack, onPhase: (phase: JobPhase) => void): Promise<JobOutcome> {
  const openTraining = runtime.openTraining?.bind(runtime);
  if (!openTraining) throw new Error(`${runtime.name} has no training runtime: the retrain workload runs on TF.js backends only`);
  const trainPack = await readEvalPack(spec.packDir);
  let opened: Awaited<ReturnType<typeof openTraining>> | undefined;
  const open = async () => (opened ??= await openTraining({ artifactPath: job.artifactPath, metadata: job.metadata, threads: job.threads, batchSize: job.kernel.batchSize }));
  // The backend is activated in setup: retrain() needs its TF.js before it loads the model.
  const { tf, layers } = await open();
  const result = await retrain({
    tf,
    layers,
    load: async () => (await open()).model,
    inputSize: job.metadata.inputSize,
    normalization: job.metadata.normalization,
    trainPack,
    evalPack,
    settings: { ...spec.settings, evaluate: job.kernel.evaluate !== false },
    host: spec.host,
    sampleRss: () => process.memoryUsage.rss(),
    onPhase,
  });
  return { ok: true, result };
}

/**
 * Probes the runtimes of the modules (those named in `only`, when given:
 * a probe can cost seconds, Dawn's two adapter queries among them, and a run
 * whose --backends names one runtime has no use for the others'); a runtime
 * whose probe throws is unavailable with that message.
 */
export async function probeRuntimes(runtimeModules: string[], threads: number, context: ProbeContext, only?: readonly string[]): Promise<ProbedRuntime[]> {
  const runtimes = (await loadRuntimes(runtimeModules)).filter((runtime) => !only || only.includes(runtime.name));
  const probed: ProbedRuntime[] = [];
  for (const runtime of runtimes) {
    let status: Awaited<ReturnType<typeof runtime.probe>>;
    try {
      status = await runtime.probe(context);
    } catch (error) {
      status = { available: false, reason: `probe failed: ${(error as Error)?.message ?? String(error)}` };
    }
    probed.push({
      runtime: runtime.name,
      format: runtime.format,
      available: status.available,
      ...(status.reason ? { reason: status.reason } : {}),
      ...(status.details ? { details: status.details } : {}),
      ...(status.available && status.software ? { software: status.software } : {}),
      ...(status.available && status.optIn ? { optIn: status.optIn } : {}),
      ...(status.available && runtime.openTraining ? { trains: true } : {}),
      keyOptions: status.available ? { ...runtime.keyOptions?.({ threads }), ...status.keyOptions } : {},
      ...(status.available && status.workerEnv ? { workerEnv: status.workerEnv } : {}),
    });
  }
  return probed;
}
