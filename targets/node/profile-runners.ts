/**
 * `bench profile` on the Node runtimes: TF.js backends through tf.profile
 * (../kernel/tfjs-profile.ts), tflite-node through prefix models
 * (models/tflite/prefix.ts) and its XNNPACK coverage (./tflite-coverage.ts).
 * Each profile is measured beside its own end-to-end p50 (a plain loop of
 * the same inference), so it can say how well its parts add up.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { achievedGflops, type ModelCost, type RuntimeProfile } from '../../harness/core/profile.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { emitVariant, type PreparedModel, type Variant } from '../../models/tflite/convert.ts';
import { attributeBlocks, prefixModels } from '../../models/tflite/prefix.ts';
import { fastestOf, p50Of, type LoopBudget } from '../kernel/p50-loop.ts';
import { profileTfjs } from '../kernel/tfjs-profile.ts';
import { tfjsPeak } from '../kernel/peak-probe.ts';
import type { Peak, ProbeShape } from '../../harness/core/profile.ts';
import { bestPeak, type ProbeTiming } from '../../harness/core/roofline.ts';
import type { IrGraph } from '../../models/tflite/graph.ts';
import { peakProbeFiles, probePixels } from '../../models/tflite/peak-probes.ts';
import type { InferenceSession } from '../kernel/types.ts';
import { loadCheckedModel, TFJS_BACKENDS, tfjsSession } from './tfjs.ts';
import { openTfliteSession } from './tflite.ts';
import { tfliteNodeCoverage } from './tflite-coverage.ts';

export const ratioOf = (sum: number | null, p50: number) => (sum === null || !(p50 > 0) ? null : sum / p50);

/** One TF.js backend on Node (tfjs-wasm, tfjs-cpu …): its p50, then one inference under tf.profile. */
export async function profileNodeTfjs(options: { runtime: string; modelJsonPath: string; metadata: ModelMetadata; pixels: Uint8Array; cost: ModelCost; budget: LoopBudget; /** The configured peak; absent: probed. */ peak?: Peak; /** The model's convolution shapes to probe besides the matMul (models/tflite/peak-probes.ts). */ probeShapes?: ProbeShape[] }): Promise<RuntimeProfile> {
  const spec = TFJS_BACKENDS.find((entry) => entry.runtime === options.runtime);
  if (!spec) throw new Error(`${options.runtime} is not a TF.js runtime on Node`);
  const tf = await import('@tensorflow/tfjs');
  tf.enableProdMode();
  if (spec.backend !== 'cpu') await (spec.load ? spec.load() : import(spec.package));
  if (!(await tf.setBackend(spec.backend))) throw new Error(`TF.js backend "${spec.backend}" failed to initialise`);
  await tf.ready();
  const model = await loadCheckedModel({ artifactPath: options.modelJsonPath, metadata: options.metadata, threads: 1, batchSize: 1 });
  const session = tfjsSession(tf, model, options.metadata);
  try {
    const infer = () => session.run(options.pixels, 1);
    const p50Ms = await p50Of(infer, options.budget);
    const layerFlops = new Map(options.cost.layers.map((row) => [row.layer, row]));
    const profile = await profileTfjs(tf, model, infer, layerFlops);
    const peak = options.peak ?? (await tfjsPeak(tf, options.probeShapes));
    return {
      runtime: options.runtime,
      variant: 'tfjs',
      method: 'tf.profile',
      timed: profile.timed,
      ...(profile.why ? { why: profile.why } : {}),
      ...(profile.attribution === 'kernels' ? { why: 'a graph model: kernels grouped by kernel name (its nodes are not marked as layers are)' } : {}),
      rows: profile.rows,
      sumMs: profile.sumMs,
      p50Ms,
      ratio: ratioOf(profile.sumMs, p50Ms),
      overheadMs: profile.wallMs - p50Ms,
      gflops: achievedGflops(options.cost.flops, p50Ms),
      peak,
    };
  } finally {
    await session.dispose();
  }
}

async function tfliteSession(bytes: Uint8Array, normalization: ModelMetadata['normalization'], threads: number): Promise<InferenceSession> {
  return openTfliteSession({ bytes, normalization, threads, batchSize: 1 });
}

/**
 * tflite-node: the variant cut into prefix models, every prefix and the
 * whole file timed one after another on the same interpreter settings,
 * block cost = prefix-time difference; the p50 is the job's own file's
 * (`artifactPath`, else the converted file) in a plain loop; coverage from
 * the XNNPACK plugin.
 */
export async function profileTfliteNode(options: {
  prepared: PreparedModel;
  variant: Variant;
  metadata: ModelMetadata;
  calibration?: Float32Array;
  artifactPath?: string;
  pixels: Uint8Array;
  cost: ModelCost;
  cuts: { count?: number; after?: string[] };
  threads: number;
  budget: LoopBudget;
  /** The configured peak; absent: probed. */
  peak?: Peak;
}): Promise<RuntimeProfile> {
  const convert = { variant: options.variant, normalization: options.metadata.normalization, ...(options.calibration ? { calibration: options.calibration } : {}) };
  const { files, blocks } = await prefixModels(options.prepared, convert, options.cuts);
  const full = await emitVariant(options.prepared, convert);
  const own = options.artifactPath ? new Uint8Array(await readFile(options.artifactPath)) : full;
  const { normalization } = options.metadata;
  // One file at a time, each in its own loop: interleaving interpreters made each pay for the
  // others' worker threads still spinning after their inference (tens of ms on 2 cores).
  const times: number[] = [];
  for (const bytes of [...files, full]) {
    const session = await tfliteSession(bytes, normalization, options.threads);
    try {
      times.push(await p50Of(() => session.run(options.pixels, 1), options.budget));
    } finally {
      await session.dispose();
    }
  }
  const timed = attributeBlocks(blocks, times.slice(0, -1), times.at(-1)!);
  const ownSession = await tfliteSession(own, normalization, options.threads);
  let p50Ms: number;
  try {
    p50Ms = await p50Of(() => ownSession.run(options.pixels, 1), options.budget);
  } finally {
    await ownSession.dispose();
  }
  const dir = await mkdtemp(join(tmpdir(), 'edgebench-coverage-'));
  let coverage: RuntimeProfile['coverage'];
  try {
    const file = join(dir, 'model.tflite');
    await writeFile(file, own);
    coverage = await tfliteNodeCoverage(file).catch(() => undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const peak = options.peak ?? (await tflitePeak(options.prepared.graph, options.variant, options.threads, options.budget));
  const sumMs = timed.reduce((total, block) => total + block.ms, 0);
  const negative = timed.filter((block) => block.ms < 0).length;
  return {
    runtime: 'tflite-node',
    variant: options.variant,
    method: 'prefix-attribution',
    timed: true,
    why: `an attribution: ${files.length} prefix models, block cost = prefix-time difference (the first block carries the per-inference fixed cost)${negative ? `; ${negative} block${negative === 1 ? '' : 's'} cheaper than the noise (negative)` : ''}`,
    rows: timed.map((block) => ({ name: block.name, kind: block.kind, ms: block.ms, flops: block.flops, intensity: block.bytes > 0 ? block.flops / block.bytes : 0, count: block.ops })),
    sumMs,
    p50Ms,
    ratio: ratioOf(sumMs, p50Ms),
    ...(coverage ? { coverage } : {}),
    gflops: achievedGflops(options.cost.flops, p50Ms),
    peak,
  };
}

/** tflite-node's attainable GFLOP/s in this variant: the model's probe files (models/tflite/peak-probes.ts) in the profile's loop, the best rate. */
export async function tflitePeak(graph: IrGraph, variant: Variant, threads: number, budget: LoopBudget): Promise<Peak | undefined> {
  const timings: ProbeTiming[] = [];
  for (const probe of await peakProbeFiles(graph, variant)) {
    const session = await tfliteSession(probe.file, { scale: 1 / 255, offset: 0 }, threads);
    try {
      const pixels = probePixels(probe.side);
      timings.push({ description: probe.description, flops: probe.flops, ms: await fastestOf(() => session.run(pixels, 1), budget) });
    } finally {
      await session.dispose();
    }
  }
  return bestPeak(timings);
}
