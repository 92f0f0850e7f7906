/**
 * The measurement kernel on scripted sessions: which phases run, how the loop
 * is bounded, what the evaluation computes, and which phase a failure names.
 * The kernel is pure (no Node APIs), so scripted sessions are the real input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure, PhaseError } from '../../targets/kernel/index.ts';
import type { EvalPack } from '../../harness/core/eval-pack.ts';
import type { InferenceSession, KernelOptions } from '../../targets/kernel/types.ts';
import type { JobPhase } from '../../harness/core/record.ts';

const CLASSES = ['a', 'b', 'c'];

/** 1×1 images whose red byte is the class the scripted model predicts; labels say what is true. */
function pack(predicted: number[], labels: number[]): EvalPack {
  const images = new Uint8Array(predicted.length * 3);
  predicted.forEach((value, index) => (images[index * 3] = value));
  return { model: 'scripted', count: predicted.length, height: 1, width: 1, images, labels, files: predicted.map((_, index) => `${index}.png`), classNames: CLASSES };
}

/** Probabilities 0.8 for the class in each image's red byte, 0.1 for the others. */
function probabilitiesFor(pixels: Uint8Array, batch: number): Float32Array {
  const out = new Float32Array(batch * 3).fill(0.1);
  for (let row = 0; row < batch; row += 1) out[row * 3 + pixels[row * 3]!] = 0.8;
  return out;
}

interface Scripted extends InferenceSession {
  calls: number;
  batches: Uint8Array[];
  disposed: number;
}

function scripted(options: { delayMs?: number; failOnCall?: number; output?: (pixels: Uint8Array, batch: number) => Float32Array } = {}): Scripted {
  const session: Scripted = {
    calls: 0,
    batches: [],
    disposed: 0,
    async run(pixels, batch) {
      session.calls += 1;
      session.batches.push(pixels.slice());
      if (session.calls === options.failOnCall) throw new Error(`scripted failure on call ${session.calls}`);
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      return (options.output ?? probabilitiesFor)(pixels, batch);
    },
    memory: () => ({ bytes: 1234, tensors: 7 }),
    dispose() {
      session.disposed += 1;
    },
  };
  return session;
}

const fast: KernelOptions = { warmupIterations: 3, minSamples: 25, minTimeMs: 0, maxTimeMs: 10_000, batchSize: 1 };

test('runs every phase in order, at least minSamples loop samples, statistics from those samples', async () => {
  const session = scripted();
  const phases: JobPhase[] = [];
  const images = pack([0, 1, 2, 1], [0, 1, 2, 2]);
  let rss = 100;
  const result = await measure({ load: async () => session, pack: images, options: fast, onPhase: (phase) => phases.push(phase), sampleRss: () => (rss += 10) });

  assert.deepEqual(phases, ['load', 'first-inference', 'warmup', 'loop', 'evaluation']);
  assert.ok(result.samples.length >= 25, `${result.samples.length} samples`);
  assert.equal(result.latency.samples, result.samples.length);
  assert.equal(result.latency.min, Math.min(...result.samples));
  assert.equal(result.latency.max, Math.max(...result.samples));
  assert.ok(result.latency.p50 <= result.latency.p99);
  assert.equal(result.throughput, 1000 / result.latency.mean);
  assert.deepEqual(result.warmup.iterations, 3);
  // first inference + warm-up + loop + one call per evaluated image
  assert.equal(session.calls, 1 + 3 + result.samples.length + 4);
  assert.equal(session.disposed, 1);
  assert.deepEqual(result.memory, { peakRssBytes: rss, runtimeBytes: 1234, runtimeTensors: 7 });
  assert.equal(result.evaluation?.images, 4);
  assert.equal(result.evaluation?.accuracy, 0.75);
  assert.equal(result.evaluation?.agreement, null);
  assert.equal(result.outputs?.length, 12);
});

test('the loop runs until the measured time reaches minTimeMs', async () => {
  const result = await measure({ load: async () => scripted({ delayMs: 2 }), pack: pack([0], [0]), options: { ...fast, warmupIterations: 0, minSamples: 1, minTimeMs: 40 } });
  const total = result.samples.reduce((sum, value) => sum + value, 0);
  assert.ok(total >= 40, `measured ${total} ms`);
});

test('maxTimeMs cuts the loop short of minSamples', async () => {
  const started = performance.now();
  const result = await measure({ load: async () => scripted({ delayMs: 5 }), pack: pack([0], [0]), options: { ...fast, warmupIterations: 0, minSamples: 10_000, maxTimeMs: 60, evaluate: false } });
  const elapsed = performance.now() - started;
  assert.ok(result.samples.length >= 1 && result.samples.length < 100, `${result.samples.length} samples`);
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  assert.equal(result.evaluation, null);
  assert.equal(result.outputs, undefined);
});

test('warmupMaxMs ends the warm-up of a slow runtime early, after at least one iteration', async () => {
  const slow = await measure({ load: async () => scripted({ delayMs: 30 }), pack: pack([0], [0]), options: { ...fast, warmupIterations: 5, warmupMaxMs: 45, minSamples: 1, evaluate: false } });
  assert.ok(slow.warmup.iterations >= 1 && slow.warmup.iterations < 5, `${slow.warmup.iterations} warm-up iterations`);
  const once = await measure({ load: async () => scripted({ delayMs: 30 }), pack: pack([0], [0]), options: { ...fast, warmupIterations: 5, warmupMaxMs: 0, minSamples: 1, evaluate: false } });
  assert.equal(once.warmup.iterations, 1, 'one iteration even with no time to spend');
  const quick = await measure({ load: async () => scripted(), pack: pack([0], [0]), options: { ...fast, warmupIterations: 5, warmupMaxMs: 10_000, minSamples: 1, evaluate: false } });
  assert.equal(quick.warmup.iterations, 5, 'a fast runtime does every iteration');
});

test('evalBudgetMs stops the evaluation of a slow session after whole batches; accuracy and agreement on the images done', async () => {
  const images = pack([0, 1, 2, 1, 0, 2, 1, 0], [0, 1, 2, 2, 0, 0, 1, 0]);
  const reference = { name: 'tfjs-wasm', images: 8, classes: 3, probabilities: probabilitiesFor(images.images, 8) };
  const result = await measure({ load: async () => scripted({ delayMs: 25 }), pack: images, reference, options: { ...fast, warmupIterations: 0, minSamples: 1, batchSize: 2, evalBudgetMs: 60 } });
  const evaluated = result.evaluation!.images;
  assert.ok(evaluated >= 2 && evaluated < 8 && evaluated % 2 === 0, `${evaluated} images`);
  const correct = images.labels.slice(0, evaluated).filter((label, index) => label === images.images[index * 3]).length;
  assert.equal(result.evaluation!.accuracy, correct / evaluated);
  assert.deepEqual(result.evaluation!.agreement, { reference: 'tfjs-wasm', top1: 1, maxAbsDiff: 0 });
  assert.equal(result.outputs!.length, evaluated * 3);
});

test('evaluation: batches padded with the last image, evalLimit keeps the first N, agreement against the reference', async () => {
  const session = scripted();
  const images = pack([0, 1, 2, 1, 0, 2], [0, 1, 2, 2, 0, 0]);
  // The reference disagrees on image 3 (class 2 instead of 1: |Δp| 0.7 there) and differs by 0.25 on image 0.
  const reference = new Float32Array(5 * 3).fill(0.1);
  [0, 1, 2, 2, 0].forEach((cls, row) => (reference[row * 3 + cls] = 0.8));
  reference[0] = 0.55;
  const result = await measure({
    load: async () => session,
    pack: images,
    reference: { name: 'tfjs-cpu', images: 5, classes: 3, probabilities: reference },
    options: { ...fast, batchSize: 4, evalLimit: 5 },
  });
  const evaluation = result.evaluation!;
  assert.equal(evaluation.images, 5);
  assert.equal(evaluation.accuracy, 4 / 5);
  assert.equal(evaluation.agreement?.reference, 'tfjs-cpu');
  assert.equal(evaluation.agreement?.top1, 4 / 5);
  assert.ok(Math.abs(evaluation.agreement!.maxAbsDiff - 0.7) < 1e-6, String(evaluation.agreement!.maxAbsDiff));
  // Two evaluation batches of 4: images 0-3, then image 4 padded with three copies of itself (never image 5).
  const last = session.batches.at(-1)!;
  assert.deepEqual(Array.from(last.filter((_, index) => index % 3 === 0)), [0, 0, 0, 0]);
  assert.equal(result.outputs?.length, 15);
  assert.deepEqual(Array.from(result.outputs!.subarray(9, 12)).map((value) => Math.round(value * 10) / 10), [0.1, 0.8, 0.1]);
});

test('a reference that covers fewer images than evaluated fails the evaluation phase', async () => {
  const reference = { name: 'tfjs-cpu', images: 1, classes: 3, probabilities: new Float32Array(3) };
  await assert.rejects(measure({ load: async () => scripted(), pack: pack([0, 1], [0, 1]), reference, options: fast }), (error: unknown) => {
    assert.ok(error instanceof PhaseError);
    assert.equal(error.phase, 'evaluation');
    assert.match(error.message, /covers 1 images/);
    return true;
  });
});

const failures: [string, JobPhase, () => Parameters<typeof measure>[0]][] = [
  ['load throws', 'load', () => ({ load: async () => Promise.reject(new Error('no such backend')), pack: pack([0], [0]), options: fast })],
  ['wrong output size', 'first-inference', () => ({ load: async () => scripted({ output: () => new Float32Array(5) }), pack: pack([0], [0]), options: fast })],
  ['warm-up throws', 'warmup', () => ({ load: async () => scripted({ failOnCall: 2 }), pack: pack([0], [0]), options: fast })],
  ['the 10th inference throws', 'loop', () => ({ load: async () => scripted({ failOnCall: 10 }), pack: pack([0], [0]), options: fast })],
  ['evaluation throws', 'evaluation', () => ({ load: async () => scripted({ failOnCall: 1 + 3 + 25 + 1 }), pack: pack([0], [0]), options: { ...fast, minTimeMs: 0, maxTimeMs: 1e9 } })],
];

for (const [what, phase, input] of failures) {
  test(`${what}: a PhaseError in phase "${phase}" carrying the runtime's error`, async () => {
    const job = input();
    let session: Scripted | undefined;
    const load = job.load;
    job.load = async () => (session = (await load()) as Scripted);
    await assert.rejects(measure(job), (error: unknown) => {
      assert.ok(error instanceof PhaseError, String(error));
      assert.equal(error.phase, phase);
      assert.ok(error.cause instanceof Error);
      return true;
    });
    if (session) assert.equal(session.disposed, 1, 'the session is disposed after a failure');
  });
}

test('a model whose outputs do not match the pack classes fails the first inference', async () => {
  const twoClasses = () => new Float32Array([0.5, 0.5]);
  await assert.rejects(measure({ load: async () => scripted({ output: twoClasses }), pack: pack([0], [0]), options: fast }), /outputs 2 values per image but the evaluation pack has 3 classes/);
});
