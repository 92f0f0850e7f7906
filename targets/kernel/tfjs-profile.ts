/**
 * One inference under `tf.profile()`, its kernels attributed to the model's
 * layers. TF.js records kernels, not layers; a layers model's leaf layers
 * are wrapped for the duration so that each `call` marks which kernels ran
 * inside it (exact, not guessed from names). A graph model has no layer
 * calls to mark: its kernels are grouped by kernel name, and the profile
 * says so. Kernel times are real where the backend times kernels
 * synchronously (wasm, cpu) or with a GPU timer (WebGL's disjoint timer
 * query); where the backend cannot, TF.js answers an error object instead of
 * a number, and the profile says "untimed" with that reason rather than
 * showing zeros. No Node APIs: the page uses this module too.
 */
import { kindOfOp } from '../../harness/core/layer-kind.ts';
import type { ProfileRow } from '../../harness/core/profile.ts';
import { median } from './p50-loop.ts';

/** What profiling needs of TF.js: the union package on Node, the page's tfjs-core with tfjs-layers' LayersModel beside it. */
export type ProfileTf = Pick<typeof import('@tensorflow/tfjs'), 'engine' | 'profile' | 'getBackend' | 'LayersModel'>;
type Tf = ProfileTf;
type LayersModel = import('@tensorflow/tfjs').LayersModel;

/** The engine's live profile: kernels are appended while `tf.profile` runs; `kernelDepth` is how deep in kernels the engine is. */
interface EngineState {
  state: { activeProfile: { kernels: unknown[] }; kernelDepth: number };
}

/**
 * Records, for each kernel tf.profile appends, the engine's kernel depth at
 * that moment: 0 for a kernel the inference ran itself, more for one run
 * inside another. tf.profile's list is flat: a fused op's custom-gradient
 * scope (`fusedConv2d__op`, `fusedMatMul__op`) is listed after the kernel it
 * ran (`FusedConv2D`), its time including that kernel's, so summing the list
 * counted the model's costliest work twice (19–29% over on tfjs-wasm).
 * Called inside tf.profile's callback, after the engine has reset its list.
 */
function recordDepths(engine: EngineState): number[] {
  const depths: number[] = [];
  const list = engine.state.activeProfile.kernels;
  list.push = function (this: unknown[], ...items: unknown[]) {
    for (let index = 0; index < items.length; index += 1) depths.push(engine.state.kernelDepth);
    return Array.prototype.push.apply(this, items);
  };
  return depths;
}

interface Mark {
  layer: string;
  className: string;
  start: number;
  end: number;
}

export interface TfjsProfile {
  rows: ProfileRow[];
  /** Kernels run by the profiled inference, each counted once (a fused op's scope and the kernel inside it are one). */
  kernels: number;
  timed: boolean;
  why?: string;
  /** "layers" when kernels were attributed to layers, "kernels" when grouped by kernel name (graph models). */
  attribution: 'layers' | 'kernels';
  /** Sum of the rows' times (null when untimed). */
  sumMs: number | null;
  /** Wall time of a profiled inference, profiling included (the median over the repeats). */
  wallMs: number;
}

function leafLayers(tf: Tf, model: LayersModel): import('@tensorflow/tfjs').layers.Layer[] {
  return model.layers.flatMap((layer) => (layer instanceof tf.LayersModel ? leafLayers(tf, layer) : [layer]));
}

/** Wraps each leaf layer's `call` to mark its kernels; returns the undo. */
function markLayers(tf: Tf, model: LayersModel, marks: Mark[]): () => void {
  const engine = tf.engine() as unknown as EngineState;
  const undo: (() => void)[] = [];
  for (const layer of leafLayers(tf, model)) {
    const own = Object.prototype.hasOwnProperty.call(layer, 'call');
    const original = layer.call;
    layer.call = function (this: typeof layer, ...args: Parameters<typeof original>) {
      const start = engine.state.activeProfile.kernels.length;
      try {
        return original.apply(this, args);
      } finally {
        marks.push({ layer: layer.name, className: layer.getClassName(), start, end: engine.state.activeProfile.kernels.length });
      }
    };
    undo.push(() => {
      if (own) layer.call = original;
      else delete (layer as unknown as Record<string, unknown>).call;
    });
  }
  return () => undo.forEach((step) => step());
}

/**
 * Profiles `infer` (one inference of `model`, output read back) on the active
 * backend, `repeats` times; each row's time is its median over them.
 * `layerFlops` gives a row its FLOPs and intensity by layer name
 * (models/tflite/flops.ts).
 */
export async function profileTfjs(tf: Tf, model: LayersModel | import('@tensorflow/tfjs').GraphModel, infer: () => Promise<unknown>, layerFlops: Map<string, { flops: number; bytes: number }> = new Map(), repeats = 3): Promise<TfjsProfile> {
  // Several profiled inferences, each row's median: one inference's kernels are microseconds to
  // milliseconds each, and a single descheduling would otherwise land on whichever layer it hit.
  const runs: TfjsProfile[] = [];
  for (let run = 0; run < Math.max(1, repeats); run += 1) runs.push(await profileOnce(tf, model, infer, layerFlops));
  const first = runs[0]!;
  if (!first.timed || runs.length === 1) return first;
  const rows = first.rows.map((row) => ({ ...row, ms: median(runs.map((entry) => entry.rows.find((other) => other.name === row.name)?.ms ?? 0)) }));
  return { ...first, rows, sumMs: rows.reduce((total, row) => total + row.ms, 0), wallMs: median(runs.map((entry) => entry.wallMs)) };
}

async function profileOnce(tf: Tf, model: LayersModel | import('@tensorflow/tfjs').GraphModel, infer: () => Promise<unknown>, layerFlops: Map<string, { flops: number; bytes: number }>): Promise<TfjsProfile> {
  const marks: Mark[] = [];
  const isLayers = model instanceof tf.LayersModel;
  const restore = isLayers ? markLayers(tf, model, marks) : () => {};
  let info: Awaited<ReturnType<Tf['profile']>>;
  let depths: number[] = [];
  const started = performance.now();
  try {
    info = await tf.profile(async () => {
      depths = recordDepths(tf.engine() as unknown as EngineState);
      await infer();
    });
  } finally {
    restore();
  }
  const wallMs = performance.now() - started;
  const listed = info.kernels as { name: string; kernelTimeMs: number | { error: string } }[];
  const untimed = listed.find((kernel) => typeof kernel.kernelTimeMs !== 'number');
  const timed = !untimed;
  const why = untimed ? `the ${tf.getBackend()} backend cannot time its kernels here: ${(untimed.kernelTimeMs as { error: string }).error ?? 'no timer'}` : undefined;
  // Each piece of work once: the outermost entries only (their times include what ran inside them),
  // named after the costliest kernel inside (a fused op's scope reads as the FusedConv2D it ran).
  const kernels = outermost(listed, depths);
  const time = (index: number) => (timed ? (kernels[index]!.kernelTimeMs as number) : 0);

  const rows: ProfileRow[] = [];
  if (isLayers) {
    const owner = new Array<Mark | undefined>(listed.length);
    for (const mark of marks) for (let index = mark.start; index < mark.end; index += 1) owner[index] ??= mark;
    const byLayer = new Map<string, ProfileRow>();
    const outside: ProfileRow = { name: '(outside any layer: input, output)', kind: 'other', ms: timed ? 0 : null, count: 0 };
    kernels.forEach((kernel, index) => {
      const mark = owner[kernel.at];
      let row = mark ? byLayer.get(mark.layer) : outside;
      if (!row) {
        const cost = layerFlops.get(mark!.layer);
        row = { name: mark!.layer, kind: kindOfOp(mark!.className), ms: timed ? 0 : null, count: 0, ...(cost ? { flops: cost.flops, intensity: cost.bytes > 0 ? cost.flops / cost.bytes : 0 } : {}) };
        byLayer.set(mark!.layer, row);
      }
      row.count += 1;
      if (row.ms !== null) row.ms += time(index);
    });
    // Execution order, as the model ran.
    for (const mark of marks) {
      const row = byLayer.get(mark.layer);
      if (row && !rows.includes(row)) rows.push(row);
    }
    if (outside.count) rows.push(outside);
  } else {
    const byKernel = new Map<string, ProfileRow>();
    kernels.forEach((kernel, index) => {
      let row = byKernel.get(kernel.name);
      if (!row) byKernel.set(kernel.name, (row = { name: kernel.name, kind: kindOfOp(kernel.name), ms: timed ? 0 : null, count: 0 }));
      row.count += 1;
      if (row.ms !== null) row.ms += time(index);
    });
    rows.push(...byKernel.values());
  }
  const sumMs = timed ? kernels.reduce((total, _, index) => total + time(index), 0) : null;
  return { rows, kernels: kernels.length, timed, ...(why ? { why } : {}), attribution: isLayers ? 'layers' : 'kernels', sumMs, wallMs };
}

interface Listed {
  name: string;
  kernelTimeMs: number | { error: string };
}

/**
 * The entries tf.profile listed at depth 0 (`depths[i]`), each with its
 * position in the flat list (`at`, where the layer marks point) and named
 * after the costliest entry nested in it. Nested entries come before the one
 * that ran them. Without depths (an engine that does not expose them) every
 * entry is kept, as before.
 */
export function outermost<K extends Listed>(listed: K[], depths: number[]): (K & { at: number })[] {
  if (depths.length !== listed.length) return listed.map((kernel, at) => ({ ...kernel, at }));
  const out: (K & { at: number })[] = [];
  let inner: K[] = [];
  listed.forEach((kernel, at) => {
    if (depths[at]! > 0) {
      inner.push(kernel);
      return;
    }
    const ms = (entry: K) => (typeof entry.kernelTimeMs === 'number' ? entry.kernelTimeMs : 0);
    const named = inner.reduce<K | undefined>((best, entry) => (best === undefined || ms(entry) > ms(best) ? entry : best), undefined);
    out.push({ ...kernel, name: named?.name ?? kernel.name, at });
    inner = [];
  });
  return out;
}
