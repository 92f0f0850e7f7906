/**
 * The benchmark page's entry: defines `window.edgebench` (protocol.ts) so
 * that any driver (Playwright, WebDriver, Appium) can ask for capabilities
 * and run jobs. Every job is measured by the shared kernel, as on Node.
 */
import type { JobPhase } from '../../../harness/core/record.ts';
import { serializeError } from '../../../harness/core/record.ts';
import { measure, measurePair, PhaseError, retrain, SideError, type Side } from '../../kernel/index.ts';
import type { KernelResult } from '../../kernel/types.ts';
import {
  PROTOCOL_VERSION,
  isPageRuntime,
  isWasmRuntime,
  type EdgebenchPageApi,
  type PageEvent,
  type PageJob,
  type PageMeasurement,
  type PagePair,
  type PageResult,
} from './protocol.ts';
import { readCapabilities } from './capabilities.ts';
import { fetchEvalPack, fetchReference } from './inputs.ts';
import { setupLitert } from './litert.ts';
import { profileInPage } from './profile.ts';
import { wasmSettings, type RuntimeSetup } from './runtime.ts';
import { setupTfjs, setupTfjsTraining } from './tfjs.ts';

const SETUPS: Record<'tfjs' | 'litert', RuntimeSetup> = { tfjs: setupTfjs, litert: setupLitert };

function notifyHost(event: PageEvent): void {
  // The host may be gone (page closing): its answer never matters.
  void Promise.resolve(window.__edgebenchHost?.(event)).catch(() => {});
}

function toPageMeasurement(result: KernelResult): PageMeasurement {
  const { outputs: _outputs, ...rest } = result;
  return rest;
}

function checkJob(job: PageJob): void {
  if (job?.protocol !== PROTOCOL_VERSION) throw new Error(`job speaks protocol ${String(job?.protocol)}, this page speaks ${PROTOCOL_VERSION}`);
  if (!isPageRuntime(job.runtime)) throw new Error(`unknown runtime "${String(job.runtime)}"`);
  if (isWasmRuntime(job.runtime)) wasmSettings(job);
}

async function runJob(job: PageJob): Promise<PageResult> {
  const startedAt = new Date().toISOString();
  let phase: JobPhase = 'setup';
  const enter = (next: JobPhase) => {
    phase = next;
    api.state = { id: job?.id ?? null, phase: next, running: true };
    notifyHost({ type: 'phase', id: job.id, phase: next });
  };
  try {
    enter('setup');
    checkJob(job);
    if (job.retrain) return await retrainJob(job, job.retrain, enter, startedAt);
    if (job.pair) return await pairJob(job, job.pair, enter, startedAt);
    const setup = SETUPS[job.runtime.startsWith('litert-') ? 'litert' : 'tfjs'];
    const [pack, reference, prepared] = await Promise.all([
      fetchEvalPack(job.packUrl),
      job.referenceUrl ? fetchReference(job.referenceUrl) : Promise.resolve(undefined),
      setup(job),
    ]);
    const result = await measure({
      // The kernel disposes the session it loaded, whatever happens after.
      load: prepared.load,
      pack,
      ...(reference ? { reference } : {}),
      options: job.kernel,
      onPhase: enter,
    });
    const profile = job.profile ? await profileInPage(job, job.profile, pack.images.subarray(0, job.model.inputSize * job.model.inputSize * 3)) : undefined;
    return { protocol: PROTOCOL_VERSION, id: job.id, ok: true, measurement: toPageMeasurement(result), runtime: prepared.report, startedAt, finishedAt: new Date().toISOString(), ...(profile ? { profile } : {}) };
  } catch (error) {
    const finishedAt = new Date().toISOString();
    // An A/B job names the side whose own call failed; anything else there failed both.
    if (error instanceof SideError) return { protocol: PROTOCOL_VERSION, id: job.id, ok: false, phase: error.phase, error: serializeError(error.cause), side: error.side, startedAt, finishedAt };
    const failedIn = error instanceof PhaseError ? error.phase : phase;
    const cause = error instanceof PhaseError ? error.cause : error;
    return { protocol: PROTOCOL_VERSION, id: job?.id ?? '', ok: false, phase: failedIn, error: serializeError(job?.pair ? cause : error), ...(job?.pair ? { side: 'both' as const } : {}), startedAt, finishedAt };
  }
}

/**
 * An A/B job: A (the baseline's artifact) and B (this job's) set up and loaded
 * in this page, timed alternately by the shared pair kernel, then each
 * evaluated on its own pack and reference unless the job says not to.
 */
async function pairJob(job: PageJob, pair: PagePair, enter: (phase: JobPhase) => void, startedAt: string): Promise<PageResult> {
  const setup = SETUPS[job.runtime.startsWith('litert-') ? 'litert' : 'tfjs'];
  const evaluate = job.kernel.evaluate !== false;
  const { referenceUrl: _reference, pair: _pair, ...b } = job;
  const jobs: Record<Side, PageJob> = { a: { ...b, ...pair.a }, b: { ...b, ...(job.referenceUrl ? { referenceUrl: job.referenceUrl } : {}) } };
  const side = async (name: Side) => {
    try {
      const url = jobs[name].referenceUrl;
      const [pack, reference, prepared] = await Promise.all([fetchEvalPack(jobs[name].packUrl), evaluate && url ? fetchReference(url) : Promise.resolve(undefined), setup(jobs[name])]);
      return { pack, prepared, ...(reference ? { reference } : {}) };
    } catch (error) {
      throw new SideError(name, 'setup', error);
    }
  };
  const [a, bSide] = await Promise.all([side('a'), side('b')]);
  const result = await measurePair({
    a: { load: a.prepared.load, pack: a.pack, ...(a.reference ? { reference: a.reference } : {}) },
    b: { load: bSide.prepared.load, pack: bSide.pack, ...(bSide.reference ? { reference: bSide.reference } : {}) },
    options: job.kernel,
    seed: pair.seed,
    first: pair.first,
    evaluate,
    onPhase: enter,
  });
  const pairs = { a: result.a, b: result.b, bFirst: result.bFirst, ...(result.evaluation ? { evaluation: result.evaluation } : {}) };
  return { protocol: PROTOCOL_VERSION, id: job.id, ok: true, pairs, runtime: bSide.prepared.report, startedAt, finishedAt: new Date().toISOString() };
}

/** The retrain workload on one of the page's TF.js backends (targets/kernel/head-training.ts). */
async function retrainJob(job: PageJob, spec: NonNullable<PageJob['retrain']>, enter: (phase: JobPhase) => void, startedAt: string): Promise<PageResult> {
  if (!job.runtime.startsWith('tfjs-')) throw new Error(`${job.runtime} has no training runtime: the retrain workload runs on TF.js backends only`);
  const training = setupTfjsTraining(job);
  const [trainPack, evalPack] = await Promise.all([fetchEvalPack(spec.trainPackUrl), fetchEvalPack(job.packUrl)]);
  const result = await retrain({
    tf: training.tf,
    layers: training.layers,
    load: training.load,
    inputSize: job.model.inputSize,
    normalization: job.model.normalization,
    trainPack,
    evalPack,
    settings: { ...spec.settings, evaluate: job.kernel.evaluate !== false },
    host: spec.host,
    onPhase: enter,
  });
  return { protocol: PROTOCOL_VERSION, id: job.id, ok: true, measurement: toPageMeasurement(result), runtime: training.report, startedAt, finishedAt: new Date().toISOString() };
}

const api: EdgebenchPageApi = {
  protocol: PROTOCOL_VERSION,
  ready: false,
  capabilities: readCapabilities,
  async run(job) {
    api.last = null;
    api.state = { id: job?.id ?? null, phase: 'setup', running: true };
    const result = await runJob(job);
    api.last = result;
    api.state = { id: result.id, phase: api.state.phase, running: false };
    return result;
  },
  start(job) {
    void api.run(job);
  },
  state: { id: null, phase: null, running: false },
  last: null,
};

window.edgebench = api;
api.ready = true;
