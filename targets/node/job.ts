/**
 * Runs one Node job in the current process: the worker calls this, and so
 * does the in-process mode tests use. Every failure comes back as data with
 * the phase it happened in.
 */
import { serializeError, type JobPhase } from '../../harness/core/record.ts';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import { measure, PhaseError, retrain } from '../kernel/index.ts';
import type { NodeJobSpec, JobOutcome, ProbedRuntime } from './protocol.ts';
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

/** Probes every runtime of the modules; a runtime whose probe throws is unavailable with that message. */
export async function probeRuntimes(runtimeModules: string[], threads: number, context: ProbeContext): Promise<ProbedRuntime[]> {
  const runtimes = await loadRuntimes(runtimeModules);
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
