/**
 * The Target seam: one adapter per target kind (node, browser, android). The
 * orchestrator (harness/run.ts) never knows which kind it talks to; the
 * registry of kinds is harness/targets.ts.
 */
import type { ResolvedConfig } from '../harness/core/config.ts';
import type { Logger } from '../harness/core/log.ts';
import type { ArtifactFormat, ArtifactInfo, DeviceInfo, Evaluation, Failure, JobPhase, Measurement, MeasurementKey, RuntimeSize, SerializedError, TargetKind, Workload } from '../harness/core/record.ts';
import type { ProcessPairs } from '../harness/core/paired.ts';
import type { ModelMetadata } from '../harness/core/metadata.ts';
import type { ProfileRequest, RawProfile } from '../harness/core/profile.ts';
import type { KernelOptions } from './kernel/types.ts';
import type { RetrainSettings } from './kernel/head-training.ts';

/** What a retrain job needs besides an inference job's fields (see targets/kernel/head-training.ts). */
export interface RetrainJob {
  /** Folder of the training pack (pack.json + images.u8, the evaluation pack's format). */
  packDir: string;
  /** Everything but `evaluate`, which comes from the job's kernel options (round 1 only). */
  settings: Omit<RetrainSettings, 'evaluate'>;
  /** The host's accuracy on the same pack and settings, when known. */
  host: { accuracy: number; backend: string } | null;
}

/** One runtime on one device, available or not (and why not). */
export interface RuntimeStatus {
  /** e.g. `tfjs-wasm`, `tflite-node`, `litert-wasm`. */
  runtime: string;
  /** Which artifact format it runs. */
  format: ArtifactFormat;
  available: boolean;
  /** Why it is unavailable, in words a user can act on. */
  reason?: string;
  /** Version strings and similar facts worth showing in `bench devices`. */
  details?: Record<string, string>;
  /**
   * Set when the runtime would run on a CPU emulation of a GPU, in words:
   * `software renderer (SwiftShader)`. Such a runtime is available but left
   * out of the default plan (harness/plan.ts); naming it in run.backends runs it.
   */
  software?: string;
  /**
   * Set when the runtime is available but not worth the time of a default
   * run, in words: why (TF.js's plain-JavaScript `cpu` reference backend,
   * which no one ships and which takes seconds per image). Left out of the
   * default plan like a software GPU; naming it in run.backends runs it.
   */
  optIn?: string;
  /**
   * The artifact variants a default run measures on it (every variant when
   * absent), and why: an extra browser engine measures one variant per path
   * (targets/browser/engine-defaults.ts), and no retrain job. Naming the
   * runtime in run.backends measures every variant and retrains.
   */
  defaultVariants?: { variants: string[]; reason: string };
  /** True where the runtime can run the retrain workload (every TF.js backend that trains); absent: inference only. */
  trains?: boolean;
}

export interface DiscoveredDevice {
  device: DeviceInfo;
  /** False when the device itself cannot be used (unauthorized phone, browser that fails to start). */
  usable: boolean;
  reason?: string;
  runtimes: RuntimeStatus[];
  /** Lines worth showing under the device in `bench devices` (a phone's routes to its browser, say). */
  notes?: string[];
}

export interface TargetContext {
  config: ResolvedConfig;
  log: Logger;
  /** Absolute output folder. */
  out: string;
  /** Aborted on Ctrl-C: stop starting work, end the current job quickly. */
  signal: AbortSignal;
}

/** One artifact on one runtime on one device, as the plan describes it before its key is decided. */
export interface JobSpec {
  artifact: ArtifactInfo;
  metadata: ModelMetadata;
  /** Folder of the evaluation pack (pack.json + images.u8). */
  evalPackDir: string;
  /** Reference outputs file for agreement, when one exists (eval/reference.json). */
  referencePath?: string;
  device: DeviceInfo;
  runtime: string;
  kernel: KernelOptions;
  /** Options that change the numbers and so belong in the key (threads, simd …). */
  runtimeOptions: Record<string, string | number | boolean>;
  /** Absent: `infer`. A `retrain` job carries `retrain` and its kernel's batch size is the training batch. */
  workload?: Workload;
  retrain?: RetrainJob;
  /** Present when the job is profiled where it runs (`bench profile` on a page runtime or a phone's benchmark_model): its result then carries `profile`. */
  profile?: ProfileRequest;
}

/**
 * A planned job: its spec and the key its result is filed under, decided once
 * when the plan is made (targets/result.ts `planKey`). Its measurement and
 * every failure, however early, carry this key, so a job that fails now
 * compares with the same job measured before.
 */
export interface Job extends JobSpec {
  key: MeasurementKey;
}

/** The options a key keeps: those that change the numbers (batch, threads, simd, delegate …). */
export type KeyOptions = Record<string, string | number | boolean>;

/** What a model's agreement reference is made from: its Mobile artifact (a user's .tflite when it has none) over its evaluation pack. */
export interface AgreementRequest {
  artifact: ArtifactInfo;
  metadata: ModelMetadata;
  /** Compute in this process (tests); default in a worker process. */
  inProcess?: boolean;
  /**
   * false: an engine that cannot load the model fails the reference at once
   * instead of handing over to the next (an A/B: a B that does not load is
   * B's failure, said by its pairs, not a reason to try every engine).
   */
  handOver?: boolean;
}

/** A model's agreement reference: the outputs every evaluating job's top-1 is checked against, and how it came to be. */
export interface AgreementReference {
  path: string;
  /** The engine that made it. */
  runtime: string;
  images: number;
  /** Seconds spent computing it now; 0 when read from the cache. */
  seconds: number;
  cached: boolean;
}

/** Whether a target can pin its jobs to `run.cpus`, and why not (the record's `conditions.affinity`). */
export type CpuPinning = { applied: true } | { applied: false; reason: string };

export type JobResult = { ok: true; measurement: Measurement; /** The runtime's raw profile, when the job asked for one. */ profile?: RawProfile } | { ok: false; failure: Failure };

/** An A/B job: the baseline's artifact (`a`) and this side's (`b`), the same runtime, device and settings. */
export interface PairJob {
  a: Job;
  b: Job;
  /** Fresh processes (or pages), which side goes first alternating A B B A. */
  processes: number;
  /** Seed of the per-pair order; process i uses seed + i. */
  seed: number;
  /**
   * A's code and packages are this other tree's (a git ref checked out by
   * harness/baseline-ref.ts): A cannot share B's process, so the target
   * alternates fresh processes, A's from that tree. Absent: both sides are this tree's.
   */
  baselineTree?: string;
}

/** How a key's pairs were measured: A and B in each process (or page), or alternating processes (each side's own code, or a native runner such as benchmark_model that loads one model a process). */
export type PairDesign = 'in-process' | 'alternating processes';

/** A phone's battery and thermal state before and after one process (or page) of an A/B, as a plain phone job's `deviceState`. */
export interface PairDeviceState {
  /** The side of that process; 'both' for a page that held A and B. */
  side: 'a' | 'b' | 'both';
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** The paired loop times of every process, or the side that failed (both: neither side's own call, e.g. a crash). */
export type PairJobResult =
  | {
      ok: true;
      processes: ProcessPairs[];
      design: PairDesign;
      /** Each side's accuracy and agreement, when B's kernel evaluates. */
      evaluation?: Record<'a' | 'b', Evaluation | null>;
      /** Phones: the device's state around each process or page, in the order they ran. */
      deviceStates?: PairDeviceState[];
    }
  | { ok: false; side: 'a' | 'b' | 'both'; phase: JobPhase; error: SerializedError };

export interface Target {
  readonly kind: TargetKind;
  /** Finds devices and runtimes. Never throws for an absent part: reports it unavailable with the reason. */
  discover(context: TargetContext): Promise<DiscoveredDevice[]>;
  /** Starts what the jobs need (servers, sessions) once per run. */
  prepare?(context: TargetContext, devices: DiscoveredDevice[]): Promise<void>;
  /**
   * Begins now, in the background, what these devices' first jobs would start
   * (a browser's launch), so it runs beside the untimed work between discovery
   * and the first job; `prepare` waits for it, so nothing begun here runs
   * beside a timed job. Settles when what it began has; never rejects: a
   * launch that did not work is tried again, and reported, by the job that needs it.
   */
  startEarly?(context: TargetContext, devices: DiscoveredDevice[]): Promise<void>;
  /**
   * The options in a job's key: what this target will run it with that changes
   * the numbers (threads, SIMD, delegate, GPU adapter …). Called once per job
   * when the plan is made, after discover; the key is then fixed for the job's
   * measurement and every failure. Default: `jobKeyOptions` (targets/result.ts).
   */
  keyOptions?(job: JobSpec, config: ResolvedConfig): KeyOptions;
  /** Runs one job; a failure is returned as data, not thrown. */
  run(job: Job, context: TargetContext): Promise<JobResult>;
  /**
   * Makes (or reads back from its cache) a model's agreement reference. The
   * Node target has it (an exact TF.js engine in Node); the run asks it even
   * when it measures nothing on Node (harness/targets.ts `referenceTarget`).
   */
  reference?(request: AgreementRequest, context: TargetContext): Promise<AgreementReference>;
  /** Where the target can pin its jobs to CPUs (`run.cpus`): whether it will for these. */
  cpuPinning?(cpus: readonly number[]): CpuPinning;
  /** What an app must download to use each of these runtimes (JS + wasm), where the target ships runtimes to a page. */
  runtimeSizes?(runtimes: string[]): Promise<RuntimeSize[]>;
  /**
   * A/B: times the pair's two artifacts alternately, iteration by iteration,
   * inside each of several fresh processes (targets/kernel/paired.ts). Absent:
   * this target cannot pair A and B yet, and `bench ab` says so.
   */
  runPair?(pair: PairJob, context: TargetContext): Promise<PairJobResult>;
  /** Stops whatever prepare started; always called. */
  dispose?(): Promise<void>;
}
