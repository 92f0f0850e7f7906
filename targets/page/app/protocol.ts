/**
 * The benchmark page's protocol: what a host (Playwright here, webdriverio on
 * a phone, any WebDriver client) sends to the page and what it gets back.
 * Plain JSON both ways, so `executeScript`/`page.evaluate` carry it unchanged.
 * Documented for people in docs/protocol.md; keep the two in step.
 *
 * This module is bundled into the page: no Node APIs here.
 */
import type { Evaluation, JobPhase, MeasuredNumbers, SerializedError } from '../../../harness/core/record.ts';
import type { KernelOptions } from '../../kernel/types.ts';
import type { RetrainSettings } from '../../kernel/head-training.ts';
import type { Normalization } from '../../../harness/core/metadata.ts';
import type { LayerFlops, ProbeShape, ProfileBudget, RawProfile } from '../../../harness/core/profile.ts';

/**
 * Bumped when a field changes meaning; the page and the host refuse to talk
 * across versions. 2: `runtimeOptions` became `wasm`, decided by the host.
 */
export const PROTOCOL_VERSION = 2 as const;

/** Path of the page on the static server (see ../server.ts). */
export const PAGE_PATH = '/index.html';

/** The page's `<title>` (../bundle.ts): a browser's tab list shows it once the page's document is there. */
export const PAGE_TITLE = 'edgebench';

/** Runtimes the page can run. `tfjs-*` take a TF.js model.json (layers or graph model), `litert-*` a .tflite file. */
export const PAGE_RUNTIMES = ['tfjs-wasm', 'tfjs-webgl', 'tfjs-webgpu', 'tfjs-cpu', 'litert-wasm', 'litert-webgpu'] as const;
export type PageRuntime = (typeof PAGE_RUNTIMES)[number];

export function isPageRuntime(name: string): name is PageRuntime {
  return (PAGE_RUNTIMES as readonly string[]).includes(name);
}

/** The runtimes that take threads and SIMD settings (`PageJob.wasm`). */
export const WASM_RUNTIMES = ['tfjs-wasm', 'litert-wasm'] as const satisfies readonly PageRuntime[];

export function isWasmRuntime(runtime: string): runtime is (typeof WASM_RUNTIMES)[number] {
  return (WASM_RUNTIMES as readonly string[]).includes(runtime);
}

/**
 * The threads and SIMD a wasm runtime runs with, decided once by the host
 * from the page's capabilities (targets/page/settings.ts) and put in the
 * measurement's key. The page runs exactly these or fails in `setup`: it
 * never picks others, so a key never names settings that were not used.
 */
export interface WasmSettings {
  /** 1 = the single-threaded build. */
  threads: number;
  /** false = the build without SIMD (tfjs-wasm). litert-wasm: whether its relaxed-SIMD builds are used. */
  simd: boolean;
}

/**
 * One job: one artifact on one runtime. URLs are absolute paths on the page's
 * own origin (`/files/…`), so the same job works through `adb reverse` on a phone.
 */
export interface PageJob {
  protocol: typeof PROTOCOL_VERSION;
  /** Echoed in the result, so a polling client can tell results apart. */
  id: string;
  runtime: PageRuntime;
  /** model.json of a TF.js layers or graph model (tfjs-*; the page reads which from its `format`) or a .tflite file (litert-*). */
  artifactUrl: string;
  /** Input size and normalisation (value = pixel × scale + offset), from metadata.json. */
  model: { name: string; inputSize: number; normalization: Normalization; classNames: string[] };
  /** Folder of the evaluation pack: `<packUrl>/pack.json` and `<packUrl>/images.u8`. */
  packUrl: string;
  /** Reference outputs (eval/reference.json) for agreement; absent when there is none. */
  referenceUrl?: string;
  kernel: KernelOptions;
  /** Required for tfjs-wasm and litert-wasm, absent for the others. */
  wasm?: WasmSettings;
  /**
   * Present for the retrain workload (tfjs-* runtimes only): the page cuts the
   * layers model at its head layer, times bottleneck extraction over the
   * training pack and `settings.steps` steps of head training, then evaluates
   * the new head on the first `settings.evalImages` images of `packUrl`.
   * `kernel.batchSize` is then the training batch; `kernel.evaluate` false skips the evaluation.
   */
  retrain?: PageRetrain;
  /**
   * Present for an A/B job (`bench ab`): this job is B, `pair.a` the
   * baseline's artifact on the same runtime and settings. The page loads both
   * and times them alternately, iteration by iteration (targets/kernel/paired.ts),
   * then evaluates each unless `kernel.evaluate` is false, and answers with
   * the paired times (PagePairResult) instead of a measurement.
   */
  pair?: PagePair;
  /**
   * Present when the job is profiled (`bench profile`, docs/profiling.md):
   * after its measurement the page profiles the first pack image and answers
   * `profile` beside the measurement (./profile.ts).
   */
  profile?: PageProfileRequest;
}

/** tf.profile around `repeats` inferences (tfjs-*), or each file at `urls` timed in a loop of `budget`, in order (litert-*). */
export type PageProfileRequest =
  | { method: 'tf.profile'; layerFlops: LayerFlops; repeats: number; /** Run the peak probes after (the runtime's peak): the matMul and these convolutions. */ probe?: boolean; probeShapes?: ProbeShape[] }
  | { method: 'prefix-attribution'; urls: string[]; budget: ProfileBudget; /** Probe files (each an RGB input of `side` px) timed after: the peak is the best `flops` over p50 among them. */ probes?: { url: string; side: number; flops: number; description: string }[] };

/** The A side of an A/B job and how this page orders the pairs. */
export interface PagePair {
  /** A's files; `referenceUrl` its own agreement reference, used when the job evaluates (`kernel.evaluate` not false). */
  a: { artifactUrl: string; model: PageJob['model']; packUrl: string; referenceUrl?: string };
  /** Seed of the per-pair order in this page. */
  seed: number;
  /** Which side loads and warms first in this page (alternated A B B A across pages). */
  first: 'a' | 'b';
}

/** An A/B job's paired loop times in ms: `a[i]` and `b[i]` ran back to back; `bFirst` pairs ran B first. */
export interface PagePairTimes {
  a: number[];
  b: number[];
  bFirst: number;
  /** Each side's accuracy and agreement after the loop, when the job evaluates. */
  evaluation?: Record<'a' | 'b', Evaluation | null>;
}

export interface PageRetrain {
  /** Folder of the training pack (the evaluation pack's format). */
  trainPackUrl: string;
  settings: Omit<RetrainSettings, 'evaluate'>;
  /** The host's accuracy on the same pack and settings, so the page's result says whether it diverged; null when unknown. */
  host: { accuracy: number; backend: string } | null;
}

/** The kernel's result as JSON (KernelResult without the raw outputs). */
export type PageMeasurement = MeasuredNumbers;

/** What the runtime actually used, which may differ from what was asked (no threads without isolation …). */
export interface PageRuntimeReport {
  /** Backend or accelerator name as the library reports it. */
  backend: string;
  threads?: number;
  simd?: boolean;
  /** Library version strings, e.g. { tfjs: '4.22.0' }. */
  versions: Record<string, string>;
  /** LiteRT: whether every op ran on the chosen accelerator. */
  fullyAccelerated?: boolean;
}

/**
 * A job's answer: a measurement, an A/B job's paired times (`pairs`), or a
 * failure; an A/B job's failure names its `side` where one side's own call
 * failed ('both': the page, the runtime or a kernel check).
 */
export type PageResult =
  | { protocol: typeof PROTOCOL_VERSION; id: string; ok: true; measurement: PageMeasurement; runtime: PageRuntimeReport; startedAt: string; finishedAt: string; /** Present when the job asked to be profiled. */ profile?: RawProfile }
  | PagePairResult
  | { protocol: typeof PROTOCOL_VERSION; id: string; ok: false; phase: JobPhase; error: SerializedError; side?: 'a' | 'b' | 'both'; startedAt: string; finishedAt: string };

export type PagePairResult = { protocol: typeof PROTOCOL_VERSION; id: string; ok: true; pairs: PagePairTimes; runtime: PageRuntimeReport; startedAt: string; finishedAt: string };

/** What the browser offers, read by the page itself. */
export interface PageCapabilities {
  protocol: typeof PROTOCOL_VERSION;
  userAgent: string;
  hardwareConcurrency: number;
  /** Deterministic memory figures where the browser exposes them (Chromium's performance.memory). */
  jsHeapLimitBytes?: number;
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  wasm: { supported: boolean; simd: boolean; relaxedSimd: boolean; threads: boolean };
  /** `software`: the CPU emulation behind the renderer (SwiftShader, llvmpipe …; harness/core/software-gpu.ts), absent on a real GPU. */
  webgl: { webgl2: boolean; vendor?: string; renderer?: string; software?: string; error?: string };
  /** `software`: as for WebGL, from the adapter info and its isFallbackAdapter flag. */
  webgpu: { api: boolean; adapter: boolean; vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean; software?: string; error?: string };
}

/** Progress the page pushes to a host that listens (Playwright's exposeFunction); polling clients read `state` instead. */
export type PageEvent = { type: 'phase'; id: string; phase: JobPhase };

/** Name of the optional host callback the page calls with PageEvents (`window.__edgebenchHost`, declared below). */
export const HOST_CALLBACK = '__edgebenchHost' as const;

/** `window.edgebench`: the page defines it (./main.ts), every host calls it (../playwright-host.ts, ../webdriver-host.ts). */
export interface EdgebenchPageApi {
  protocol: typeof PROTOCOL_VERSION;
  /** True once the page has loaded its code. */
  ready: boolean;
  capabilities(): Promise<PageCapabilities>;
  /** Runs a job; never rejects: errors come back as `{ ok: false }`. */
  run(job: PageJob): Promise<PageResult>;
  /** Starts a job and returns at once, for clients that poll `last` (WebDriver executeScript). */
  start(job: PageJob): void;
  /** Where the current job is. */
  state: { id: string | null; phase: JobPhase | null; running: boolean };
  /** The latest result, or null while none has finished. */
  last: PageResult | null;
}

declare global {
  interface Window {
    /** The page's API, once its code has loaded. */
    edgebench?: EdgebenchPageApi;
    /** A listening host's callback (Playwright's exposeFunction); absent for polling hosts. */
    [HOST_CALLBACK]?: (event: PageEvent) => Promise<void>;
  }
}
