/**
 * The measurement kernel: one artifact on one runtime, timed the same way on
 * every target. No Node APIs: this module is bundled into the browser page.
 *
 * Phases: load → first (cold) inference → warm-up → measured loop (tinybench,
 * bounded by minSamples/minTimeMs and cut at maxTimeMs) → evaluation over the
 * pack (a prefix of it when evalLimit or evalBudgetMs stops it first, the
 * budget only past evalMinImages). Every
 * inference includes reading the output back to the host (the session's `run`
 * returns host memory), so runtimes compare fairly.
 */
import { Bench } from 'tinybench';
import type { JobPhase } from '../../harness/core/record.ts';
import { agreementWith, top1Accuracy, top1Hits } from './evaluate.ts';
import { computeLatencyStats } from '../../harness/core/stats.ts';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import type { InferenceSession, KernelInput, KernelResult } from './types.ts';

/** A job failed in `phase`; `cause` is the runtime's own error. */
export class PhaseError extends Error {
  override name = 'PhaseError';
  override readonly cause: unknown;
  constructor(
    readonly phase: JobPhase,
    cause: unknown,
  ) {
    super(`${phase} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.cause = cause;
  }
}

/**
 * Runs a job's phases: announces each, and turns what one throws into a
 * PhaseError naming it (an error already naming its phase passes through).
 */
export function phaseRunner(onPhase?: (phase: JobPhase) => void): <T>(name: JobPhase, work: () => Promise<T>) => Promise<T> {
  return async (name, work) => {
    onPhase?.(name);
    try {
      return await work();
    } catch (error) {
      throw error instanceof PhaseError ? error : new PhaseError(name, error);
    }
  };
}

/** Resident memory is sampled at most this often during the loop (a sample costs microseconds). */
const RSS_INTERVAL_MS = 25;

const now = () => performance.now();

/** Runs the whole measurement; throws a PhaseError naming the phase that failed. */
export async function measure(input: KernelInput): Promise<KernelResult> {
  const { options, pack } = input;
  const batchSize = options.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new PhaseError('setup', new RangeError(`batch size must be a positive integer, got ${batchSize}`));
  const memory = peakTracker(input.sampleRss);
  memory.sample();

  const phase = phaseRunner(input.onPhase);

  const loadStarted = now();
  const session = await phase('load', input.load);
  const loadMs = now() - loadStarted;
  memory.sample();

  let result: KernelResult;
  try {
    const loopBatch = batchPixels(pack, 0, batchSize, pack.count);

    const first = await phase('first-inference', async () => {
      const started = now();
      const output = await session.run(loopBatch, batchSize);
      const ms = now() - started;
      return { ms, classes: classesOf(output, batchSize, pack) };
    });
    const classes = first.classes;
    memory.sample();

    const warmup = await phase('warmup', async () => {
      const started = now();
      let iterations = 0;
      while (iterations < options.warmupIterations && (iterations === 0 || options.warmupMaxMs === undefined || now() - started < options.warmupMaxMs)) {
        await session.run(loopBatch, batchSize);
        iterations += 1;
      }
      return { iterations, ms: now() - started };
    });
    memory.sample();

    const samples = await phase('loop', () => measuredLoop(session, loopBatch, input, memory));
    const latency = computeLatencyStats(samples);
    const runtime = session.memory?.() ?? {};
    memory.sample();

    const evaluated = await phase('evaluation', () => evaluate(session, input, classes));
    memory.sample();

    result = {
      loadMs,
      firstInferenceMs: first.ms,
      warmup,
      latency,
      samples,
      throughput: latency.mean > 0 ? (batchSize * 1000) / latency.mean : 0,
      memory: {
        ...(memory.peak !== undefined ? { peakRssBytes: memory.peak } : {}),
        ...(runtime.bytes !== undefined ? { runtimeBytes: runtime.bytes } : {}),
        ...(runtime.tensors !== undefined ? { runtimeTensors: runtime.tensors } : {}),
      },
      evaluation: evaluated?.evaluation ?? null,
      ...(evaluated ? { outputs: evaluated.outputs } : {}),
    };
  } catch (error) {
    // A failure already on its way matters more than a dispose that fails after it.
    try {
      await session.dispose();
    } catch {
      // ignored: the job has already failed
    }
    throw error;
  }
  try {
    await session.dispose();
  } catch (error) {
    // The session is disposed after the evaluation, the last phase.
    throw new PhaseError('evaluation', new Error(`disposing the session failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
  }
  return result;
}

/** tinybench drives the loop; the kernel times each call itself so the raw samples keep their order. */
async function measuredLoop(session: InferenceSession, pixels: Uint8Array, input: KernelInput, memory: PeakTracker): Promise<number[]> {
  const { minSamples, minTimeMs, maxTimeMs, batchSize } = input.options;
  const samples: number[] = [];
  const stop = new AbortController();
  const loopStarted = now();
  let lastRss = loopStarted;
  const bench = new Bench({ iterations: minSamples, time: minTimeMs, warmup: false, throws: false });
  // The stop and memory checks live in the task itself (after its timed window):
  // an afterEach hook would cost one more await per iteration.
  bench.add(
    'inference',
    async () => {
      const started = now();
      await session.run(pixels, batchSize);
      const ended = now();
      const duration = ended - started;
      samples.push(duration);
      if (ended - loopStarted >= maxTimeMs) stop.abort();
      if (ended - lastRss >= RSS_INTERVAL_MS) {
        lastRss = ended;
        memory.sample();
      }
      return { overriddenDuration: duration };
    },
    { async: true, signal: stop.signal },
  );
  await bench.run();
  const result = bench.getTask('inference')?.result;
  if (result?.state === 'errored') throw result.error;
  if (samples.length === 0) throw new Error(`the measured loop produced no samples (state ${result?.state ?? 'unknown'})`);
  return samples;
}

/** Top-1 accuracy (and agreement, given a reference) of a loaded session over the pack; null when nothing is to be evaluated. Also used by the pair kernel (./paired.ts), once per side. */
export async function evaluate(session: InferenceSession, input: KernelInput, classes: number): Promise<{ evaluation: NonNullable<KernelResult['evaluation']>; outputs: Float32Array } | null> {
  const { options, pack } = input;
  if (options.evaluate === false) return null;
  const available = Math.min(options.evalLimit ?? pack.count, pack.count);
  if (available === 0) return null;
  const batchSize = options.batchSize;
  const budget = options.evalBudgetMs ?? Number.POSITIVE_INFINITY;
  const floor = Math.max(1, options.evalMinImages ?? 1);
  const outputs = new Float32Array(available * classes);
  const started = now();
  let images = 0;
  // The pack is in class round-robin order, so the images done when the budget runs out are a balanced prefix.
  while (images < available && (images < floor || now() - started < budget)) {
    const probabilities = await session.run(batchPixels(pack, images, batchSize, available), batchSize);
    if (probabilities.length !== batchSize * classes) throw new Error(`a batch of ${batchSize} gave ${probabilities.length} outputs, expected ${batchSize * classes}`);
    // The last batch is padded with copies of the last image; only real images count.
    const real = Math.min(batchSize, available - images);
    outputs.set(probabilities.subarray(0, real * classes), images * classes);
    images += real;
  }
  const labels = pack.labels.slice(0, images);
  const used = images < available ? outputs.slice(0, images * classes) : outputs;
  return {
    evaluation: {
      images,
      accuracy: top1Accuracy(used, labels, classes),
      hits: top1Hits(used, labels, classes),
      agreement: input.reference ? agreementWith(used, images, classes, input.reference) : null,
    },
    outputs: used,
  };
}

/**
 * `batch` images starting at `start`, taken from the first `available` pack
 * images: past the end it repeats the last one (evaluation padding) or, for an
 * empty pack, uses mid-grey, so every call has the same shape.
 */
export function batchPixels(pack: EvalPack, start: number, batch: number, available: number): Uint8Array {
  const imageBytes = pack.height * pack.width * 3;
  const count = Math.min(available, pack.count);
  const pixels = new Uint8Array(batch * imageBytes);
  if (count === 0) return pixels.fill(128);
  for (let slot = 0; slot < batch; slot += 1) {
    const image = Math.min(start + slot, count - 1);
    pixels.set(pack.images.subarray(image * imageBytes, (image + 1) * imageBytes), slot * imageBytes);
  }
  return pixels;
}

function classesOf(output: Float32Array, batchSize: number, pack: EvalPack): number {
  if (output.length === 0 || output.length % batchSize !== 0) throw new Error(`a batch of ${batchSize} gave ${output.length} outputs, not a whole number per image`);
  const classes = output.length / batchSize;
  if (pack.classNames.length > 0 && classes !== pack.classNames.length) {
    throw new Error(`the model outputs ${classes} values per image but the evaluation pack has ${pack.classNames.length} classes`);
  }
  return classes;
}

interface PeakTracker {
  sample(): void;
  readonly peak: number | undefined;
}

function peakTracker(sampleRss: (() => number) | undefined): PeakTracker {
  let peak: number | undefined;
  return {
    sample() {
      if (!sampleRss) return;
      const value = sampleRss();
      if (peak === undefined || value > peak) peak = value;
    },
    get peak() {
      return peak;
    },
  };
}
