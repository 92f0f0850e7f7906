/**
 * The configuration schema, validated with zod so that a misspelt key or a
 * wrong type is an error naming its path. The result is one resolved object
 * (`ResolvedConfig`) that every command receives and the run record keeps.
 * Reading `bench.config.*` and merging CLI flags is harness/config-file.ts.
 */
import { DURATION_PATTERN, parseDuration, sustainedRun } from './sustained-settings.ts';
import { z } from 'zod';
import { UserError } from './errors.ts';
import { isSafeSegment, SAFE_SEGMENT_RULE } from './path-segment.ts';
import { TARGETS, VARIANTS, WORKLOADS } from './record.ts';

const positiveInt = z.number().int().positive();
const fraction = z.number().min(0).max(100);
/** A whole number from min to max: every count a flag can set has a range (README: Bad input). */
const count = (min: number, max: number) => z.number().int().min(min).max(max);
/** A duration in ms, up to a day. */
const durationMs = z.number().min(0).max(86_400_000);
/** The most threads a runtime is asked for: above any machine's cores today, below what makes a runtime allocate a thread pool it cannot start. */
export const MAX_THREADS = 256;
/** A model or backbone id: it names a folder under the out folder, so it must be one safe path segment. */
const modelId = z.string().refine(isSafeSegment, { message: `a model id is ${SAFE_SEGMENT_RULE}` });

/** A `models` string that names a file (a separator, or a .json/.tflite name) rather than a retrained model id. */
export function isModelPath(value: string): boolean {
  return /[\\/]/.test(value) || /\.(json|tflite)$/i.test(value);
}

/**
 * An Android package name as Android accepts one (`com.android.chrome`):
 * dot-separated parts of letters, digits and `_`, each starting with a
 * letter. Such values reach the phone's shell (`pidof <package>`), so
 * nothing else may pass.
 */
const JAVA_PACKAGE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;
const JAVA_PACKAGE_RULE = 'must be an Android package name such as com.android.chrome (dot-separated parts of letters, digits and _, each starting with a letter)';

/** Session capabilities: anything a server takes, but the package names the harness also hands to the phone's shell are checked. */
const capabilitiesSchema = z.record(z.string(), z.unknown()).superRefine((capabilities, context) => {
  const check = (value: unknown, path: string[]) => {
    if (value !== undefined && (typeof value !== 'string' || value.length > 255 || !JAVA_PACKAGE.test(value))) context.addIssue({ code: 'custom', path, message: JAVA_PACKAGE_RULE });
  };
  for (const key of ['goog:chromeOptions', 'appium:chromeOptions']) {
    const options = capabilities[key];
    if (typeof options === 'object' && options !== null) check((options as Record<string, unknown>).androidPackage, [key, 'androidPackage']);
  }
  check(capabilities['appium:appPackage'], ['appium:appPackage']);
});

/** Finite, and a scale that is not 0 (every pixel would be the same value). */
const normalizationSchema = z.strictObject({ scale: z.number().refine((scale) => scale !== 0, { message: 'scale must not be 0' }), offset: z.number() });

/** A user's own model by path: a TF.js layers/graph model.json or a .tflite file. */
const userModel = z.strictObject({
  /** model.json (layers or graph model) or .tflite file; relative to the working folder. */
  path: z.string().min(1),
  /** Id in records and reports (default: the file's stem; for model.json, its folder's name). */
  id: modelId.optional(),
  /** Square input size, when the model does not fix it (up to 4096 px: a larger image is not a phone benchmark's input). */
  inputSize: count(1, 4096).optional(),
  /** value = pixel (0..255) × scale + offset, when the model's metadata does not say. */
  normalization: normalizationSchema.optional(),
  /** Class names, or a file with one per line, when the model's metadata does not say. */
  labels: z.union([z.array(z.string()).min(1), z.string().min(1)]).optional(),
});

export type UserModelEntry = z.output<typeof userModel>;

/** A `models` entry: a retrained model id, a path string, or a path with its description. */
const modelEntry = z.union([
  userModel,
  z.string().refine((value) => isModelPath(value) || isSafeSegment(value), { message: `a models entry is a model id (${SAFE_SEGMENT_RULE}) or the path of a model.json or .tflite file` }),
]);

/** The retrained (backbone) ids among `models`. */
export function modelIds(config: Pick<ResolvedConfig, 'models'>): string[] {
  return config.models.filter((entry): entry is string => typeof entry === 'string' && !isModelPath(entry));
}

/** The user's own models among `models`, each as an object. */
export function userModels(config: Pick<ResolvedConfig, 'models'>): UserModelEntry[] {
  return config.models.flatMap((entry) => (typeof entry !== 'string' ? [entry] : isModelPath(entry) ? [{ path: entry }] : []));
}


/** A TF.js layers model given by URL or path, cut at a named layer to serve as a backbone. */
const customBackbone = z.strictObject({
  /** http(s):// URL or local path of a layers-model `model.json`. */
  url: z.string().min(1),
  /** Name of the layer whose output is the feature map (or vector). */
  featureLayer: z.string().min(1),
  /** Square input size in pixels. */
  inputSize: positiveInt,
  /** Input normalisation: value = pixel (0..255) × scale + offset. */
  normalization: z.strictObject({ scale: z.number(), offset: z.number() }).default({ scale: 1 / 127.5, offset: -1 }),
});

/**
 * Every wait a target bounds, in milliseconds, with its default here and
 * nowhere else. The job itself is bounded by `run.jobTimeoutMs`.
 */
export const timeoutsSchema = z
  .strictObject({
    node: z
      .strictObject({
        /** Probing the Node runtimes in a worker at discovery (imports TF.js and native addons). */
        probeMs: positiveInt.default(120000),
        /** Asking Dawn for its WebGPU adapter (tfjs-webgpu), in a child process of its own, within the probe. */
        adapterQueryMs: positiveInt.default(30000),
      })
      .prefault({}),
    browser: z
      .strictObject({
        /** Starting a browser (Playwright's launch timeout). */
        launchMs: positiveInt.default(60000),
        /** Loading the benchmark page and reading its capabilities at discovery. */
        pageReadyMs: positiveInt.default(60000),
        /** Closing a browser before giving up on it (a hung renderer must not hang the run). */
        closeMs: positiveInt.default(10000),
      })
      .prefault({}),
    android: z
      .strictObject({
        /** Any adb call without a bound of its own. */
        adbMs: positiveInt.default(20000),
        /** `adb devices -l` at discovery. */
        adbDevicesMs: positiveInt.default(10000),
        /** `adb get-state`: is the phone still there after a failure. */
        adbStateMs: positiveInt.default(5000),
        /** `adb push` of benchmark_model or a model. */
        adbPushMs: positiveInt.default(300000),
        /** `pidof` of the phone's browser: is it still running during a page job (Appium route). */
        browserAliveMs: positiveInt.default(5000),
        /** Chrome on the phone opening its DevTools socket after `am start` (CDP route). */
        devtoolsSocketMs: positiveInt.default(20000),
        /** Playwright connecting to Chrome's DevTools through `adb forward` (CDP route). */
        cdpConnectMs: positiveInt.default(30000),
        /** The harness's own Appium server becoming ready. */
        appiumStartMs: positiveInt.default(60000),
        /** One readiness check of that server (`/status`). */
        appiumStatusMs: positiveInt.default(2000),
        /** Appium ending its sessions on SIGINT before it is killed. */
        appiumStopMs: positiveInt.default(10000),
        /** Opening a WebDriver session (it may install helpers on the phone first). */
        sessionStartMs: positiveInt.default(180000),
        /** The page loading in the phone's browser (WebDriver pageLoad). */
        pageLoadMs: positiveInt.default(120000),
        /** The benchmark page becoming ready in the phone's browser. */
        pageReadyMs: positiveInt.default(60000),
        /** One poll of a page busy measuring, before it counts as "still busy" (it answers only when its loop yields). */
        pagePollMs: positiveInt.default(5000),
        /** One look at the session's DevTools endpoint: is the browser still there. */
        devtoolsProbeMs: positiveInt.default(3000),
        /** Ending a WebDriver session, or closing the harness's tabs and letting go of Chrome over DevTools. */
        sessionCloseMs: positiveInt.default(15000),
      })
      .prefault({}),
  })
  .prefault({});

export type Timeouts = z.output<typeof timeoutsSchema>;

/** The defaults of `timeouts`, for callers outside a run (tests, scripts) that pass no config. */
export const DEFAULT_TIMEOUTS: Timeouts = timeoutsSchema.parse(undefined);

export const configSchema = z.strictObject({
  /** Output folder for caches, artifacts and runs. Default `.bench`. */
  out: z.string().default('.bench'),
  /**
   * Backbone ids to retrain and benchmark (see models/zoo.ts), and the user's
   * own models to benchmark: a path string or `{ path, id?, inputSize?, normalization?, labels? }`.
   */
  models: z.array(modelEntry).min(1).default(['mobilenet_v2', 'inception_v3']),
  /** Extra backbones by URL or path, usable by id in `models`. */
  backbones: z.record(modelId, customBackbone).default({}),
  dataset: z
    .strictObject({
      /** Class-per-folder image root; the generated default dataset when absent. */
      images: z.string().optional(),
      /** Seed of the generated default dataset. */
      seed: z.number().int().default(1),
      /**
       * Images per class of the generated default dataset: 80 (560 images,
       * 60 in the test split that every evaluation runs on, ≥ 40 as
       * docs/bench-all.md asks). 120 made InceptionV3's bottlenecks alone
       * 58 s of a cold `bench all` for 28 more evaluation images.
       */
      imagesPerClass: count(1, 100_000).default(80),
      /** Percentages of each class held out, as retrain.py's --validation_percentage / --testing_percentage. */
      validationPercent: fraction.default(10),
      testPercent: fraction.default(10),
      /** Classes with fewer images than this get a warning. */
      minImagesPerClass: positiveInt.default(20),
    })
    .prefault({}),
  retrain: z
    .strictObject({
      steps: count(1, 10_000_000).default(1000),
      learningRate: z.number().positive().max(10).default(0.005),
      batchSize: count(1, 100_000).default(100),
      optimizer: z.enum(['sgd', 'momentum', 'adam', 'rmsprop']).default('adam'),
      /** Validation accuracy and loss every N steps. */
      evalEvery: count(1, 10_000_000).default(50),
      /** Random distortions of training images; any of them bypasses the bottleneck cache. */
      distortions: z
        .strictObject({
          flipLeftRight: z.boolean().default(false),
          /** Percent of extra margin to crop, as retrain.py's --random_crop. */
          randomCrop: z.number().min(0).max(100).default(0),
          randomScale: z.number().min(0).max(100).default(0),
          randomBrightness: z.number().min(0).max(100).default(0),
        })
        .prefault({}),
      /** Images per batch when computing bottlenecks. */
      bottleneckBatch: count(1, 1024).default(8),
      /**
       * Keep the head of an earlier retrain whose inputs are all unchanged
       * (models/retrain-fingerprint.ts): training is seeded, so it would make
       * the same head again. `--force` sets it false.
       */
      reuse: z.boolean().default(true),
    })
    .prefault({}),
  convert: z
    .strictObject({
      variants: z.array(z.enum(VARIANTS)).min(1).default([...VARIANTS]),
      /** Training images used to calibrate int8 activation ranges. */
      calibrationImages: count(1, 100_000).default(100),
      /** Input/output type of full-integer models. */
      io: z.enum(['float', 'uint8']).default('float'),
    })
    .prefault({}),
  run: z
    .strictObject({
      targets: z.array(z.enum(TARGETS)).min(1).default([...TARGETS]),
      /** Runtime names to keep (e.g. `tfjs-wasm`, `tflite-node`); all available ones when absent. */
      backends: z.array(z.string()).optional(),
      /** Evaluate only the first N images of each evaluation pack. */
      evalLimit: count(1, 10_000_000).optional(),
      /**
       * Each job evaluates until it has done the whole pack (or evalLimit) or
       * spent this many ms evaluating; the record says how many images it used.
       * 0: no budget, always the whole pack.
       */
      evalBudgetMs: durationMs.default(15000),
      /** The budget stops a job's evaluation only once it has done this many images (or the whole pack): accuracy on a handful of images says little. */
      evalMinImages: count(0, 10_000_000).default(40),
      /**
       * A job whose model file, code, runtime, device and images an earlier run
       * of the same out folder evaluated reads that accuracy instead of
       * evaluating again (harness/evaluation-reuse.ts). `--reevaluate` sets it false.
       */
      reuseEvaluations: z.boolean().default(true),
      warmupIterations: count(0, 100_000).default(5),
      /** Warm-up stops after this many ms, even before warmupIterations (at least one iteration runs). */
      // A second of warm-up after the cold first inference warms JITs and caches; more only delays slow models.
      warmupMaxMs: durationMs.default(1000),
      // A slow model (a 400 ms InceptionV3) needs few samples for a stable median; fast ones run minTimeMs anyway.
      minSamples: count(1, 10_000_000).default(12),
      /** The measured loop runs at least this long (1 s: 200+ samples of a 5 ms model; minSamples bounds the slower ones). */
      minTimeMs: durationMs.default(1000),
      /** At least minTimeMs (parseConfig). */
      maxTimeMs: durationMs.positive().default(20000),
      /** Up to 1024 images a batch: a 224 px float batch of 1024 is 600 MB already. */
      batchSizes: z.array(count(1, 1024)).min(1).default([1]),
      /** CPU threads for runtimes that take a count, 1..MAX_THREADS; default = cores. */
      threads: count(1, MAX_THREADS).optional(),
      /**
       * Rounds per job: each job is measured this many times, each in a fresh
       * worker process or page, the rounds of all jobs interleaved. The
       * measuring time (minSamples, minTimeMs, maxTimeMs) is split across the
       * rounds, so more rounds cost only one more load and warm-up each.
       * compare decides on the spread between rounds. Default 2: the most a
       * default `bench all` affords on a 2-core machine; a CI gate on one
       * model can afford more (docs/regressions.md).
       */
      rounds: count(1, 1000).default(2),
      /** `interleaved`: A B C A B C …; `shuffled`: every round in a random order drawn from `seed`. */
      order: z.enum(['interleaved', 'shuffled']).default('interleaved'),
      /** Seed of the `shuffled` order. */
      seed: z.number().int().default(1),
      /** Pause before each round (ms), to let clocks and caches settle after the previous one. Default 0. */
      cooldownMs: durationMs.int().default(0),
      /** CPUs (ids from 0) to pin the Node target's worker processes to, with taskset (Linux). Default: not pinned. */
      cpus: z.array(count(0, 4095)).min(1).optional(),
      /** A job running longer than this fails (ms). */
      jobTimeoutMs: durationMs.int().positive().default(600000),
      /**
       * Sustained mode (docs/energy.md): each job's loop runs this long (`10m`, `90s`, or ms), with its latency per second
       * and the device's thermal status, CPU frequencies and temperatures alongside; sets one round and min/max time to it.
       */
      sustained: z.union([durationMs.positive(), z.string().regex(DURATION_PATTERN, 'a duration such as 10m, 90s, 1h or 500ms')]).optional(),
      /**
       * What the jobs measure: `infer` (the artifact's latency and accuracy),
       * `retrain` (a new head trained on the device: see retrainWorkload).
       * Absent: `bench run` measures inference, `bench all` both (workloadsOf).
       */
      workloads: z.array(z.enum(WORKLOADS)).min(1).optional(),
    })
    .prefault({}),
  /**
   * The retrain workload: on every TF.js runtime, bottlenecks of a training
   * pack (the first `images` training images, class round-robin) and `steps`
   * steps of head training with retrain's learning rate, optimizer, batch
   * size and seed; the trained head is evaluated on the first `evalImages`
   * images of the evaluation pack and checked against the host's retrain of
   * the same pack. Small by default: a mobilenet_v2 job costs seconds.
   */
  retrainWorkload: z
    .strictObject({
      images: count(1, 100_000).default(16),
      steps: count(1, 10_000_000).default(60),
      evalImages: count(1, 100_000).default(40),
      /** Accuracy (a fraction, 0.1 = 10 points) a target may fall below the host's before its training counts as diverged. */
      tolerance: z.number().min(0).max(1).default(0.1),
    })
    .prefault({}),
  browser: z
    .strictObject({
      /** Browser names or executable paths; every browser found when absent. */
      browsers: z.array(z.string()).optional(),
      headed: z.boolean().default(false),
      /** Extra command-line flags for Chromium-family browsers. */
      args: z.array(z.string()).default([]),
      /**
       * Browsers on other machines, measured beside the local ones: a
       * Playwright server (`ws://host:port/…`) or a WebDriver server or grid
       * (`http://host:port/…`, `?browserName=firefox` to pick its browser).
       * Credentials in them are redacted wherever printed or written.
       */
      endpoints: z.array(z.string()).optional(),
      /** Capabilities of each session on a WebDriver endpoint (a grid's or cloud's vendor options); secret keys are redacted. */
      capabilities: capabilitiesSchema.default({}),
    })
    .prefault({}),
  android: z
    .strictObject({
      /**
       * How page runtimes reach Chrome on a phone: `cdp` (adb starts Chrome and
       * forwards its DevTools socket; nothing to install), `appium` (a WebDriver
       * session through Appium's UiAutomator2 driver, a grid or a device farm),
       * or `auto`: Appium when `appiumUrl` is set or its prerequisites are met, else CDP.
       */
      driver: z.enum(['auto', 'cdp', 'appium']).default('auto'),
      /** An external Appium server, Selenium Grid or device farm; the harness starts its own when absent. */
      appiumUrl: z.string().optional(),
      /** Capabilities merged over the defaults of each session. */
      capabilities: capabilitiesSchema.default({}),
      /** Serials to use; every attached, authorized device when absent. */
      devices: z.array(z.string()).optional(),
      /** Path to the TFLite `benchmark_model` binary built for the phone's ABI. */
      tfliteBenchmarkBinary: z.string().optional(),
      /** adb executable. */
      adb: z.string().default('adb'),
      cooldown: z
        .strictObject({
          enabled: z.boolean().default(false),
          maxWaitMs: positiveInt.default(120000),
        })
        .prefault({}),
      /** Energy per inference (docs/energy.md): the power monitor's rails, else the battery sampled; off by default (the idle baseline costs `idleMs` per job). */
      energy: z
        .strictObject({
          enabled: z.boolean().default(false),
          idleMs: positiveInt.default(5000),
          sampleMs: positiveInt.default(500),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Bounds on every wait a target makes besides the job itself (see timeoutsSchema). */
  timeouts: timeoutsSchema,
  compare: z
    .strictObject({
      /** Relative change of p50 below which a shift counts as the same. */
      threshold: z.number().positive().max(10).default(0.05),
      /** Family-wise significance level: the chance that a comparison where nothing changed flags any key. */
      alpha: z.number().positive().max(1).default(0.01),
      /** Adjustment of the keys' p-values for testing many keys at once: Holm (family-wise error), Benjamini-Hochberg (false discovery rate) or none. */
      correction: z.enum(['holm', 'bh', 'none']).default('holm'),
      /** Earlier runs on the same machine that estimate each key's run-to-run noise (0: none). */
      history: count(0, 1000).default(20),
      /** Accuracy drop in percentage points that counts as a regression. */
      accuracyDropPoints: z.number().min(0).max(100).default(1),
    })
    .prefault({}),
  /**
   * The A/B verdict (`bench ab`, `--baseline`; docs/regressions.md). Its own
   * defaults, not compare's: the interval is measured in this very run (A and
   * B in the same processes), so a smaller change can be claimed than across
   * runs, and the slowdown a gate must catch (5%) cannot be the band inside
   * which a key is the same (a true 5% change would land inside it half the
   * time).
   */
  ab: z
    .strictObject({
      /** Relative change of B/A inside which a key is the same; a regression must be past it and significant. */
      minEffect: z.number().positive().max(10).default(0.02),
      /**
       * Family-wise significance level across the keys. 0.05, not compare's
       * 0.01: a verdict from 4 processes has 3 degrees of freedom, where
       * 0.01's t of 5.8 (against 3.2) misses a 5% slowdown a quarter of the
       * time; the min effect keeps an A/A run from flagging a tiny shift
       * (`npm run benchmark:ab` measured both, docs/regressions.md).
       */
      alpha: z.number().positive().max(1).default(0.05),
      /**
       * Pairs (A and B once each) timed per process at least; the run's
       * minTimeMs still applies. 12: each process's median of fewer pairs
       * scatters more from process to process, and that spread is the
       * interval (after 2 warm-up pairs, 8 pairs caught a 5% slowdown in 18
       * of 20 A/B runs, 12 in 19 of 20: docs/regressions.md).
       */
      pairs: count(1, 10_000_000).default(12),
      /**
       * Warm-up pairs before the loop (after each side's first inference).
       * 2, not a plain job's 5: the pairs' order is random, so whatever
       * warming is left in the loop slows A and B alike.
       */
      warmupPairs: count(0, 100_000).default(2),
    })
    .prefault({}),
  /** `bench profile` (docs/profiling.md). */
  profile: z
    .strictObject({
      /**
       * Attainable GFLOP/s per runtime, as `bench profile --backends` names it
       * (`tflite-node`, `browser:litert-wasm`, `android:tflite-benchmark-model`),
       * or per runtime and variant (`tflite-node int8`, which wins): the
       * "% of peak" column and the roofline's ceiling use it instead of the
       * matrix-multiply probe.
       */
      peakGflops: z.record(z.string().min(1), z.number().positive()).default({}),
    })
    .prefault({}),
});

/** The workloads a run measures: run.workloads, else the command's default. */
export function workloadsOf(config: ResolvedConfig, fallback: readonly (typeof WORKLOADS)[number][] = ['infer']): (typeof WORKLOADS)[number][] {
  return config.run.workloads ?? [...fallback];
}

/** What a user writes: every key optional. */
export type BenchConfig = z.input<typeof configSchema>;
/** What commands get: every default filled in. */
export type ResolvedConfig = z.output<typeof configSchema>;

/** Type helper for `bench.config.ts`: `export default defineConfig({ … })`. */
export function defineConfig(config: BenchConfig): BenchConfig {
  return config;
}

/** Validates a plain object; errors name every offending key path. */
export function parseConfig(input: unknown, source = 'config'): ResolvedConfig {
  const result = configSchema.safeParse(input);
  if (result.success) {
    const config = result.data;
    if (config.dataset.validationPercent + config.dataset.testPercent >= 100) {
      throw new UserError(`${source}: dataset.validationPercent + dataset.testPercent must leave images for training`, 'CONFIG_INVALID');
    }
    const { minTimeMs, maxTimeMs } = config.run;
    if (minTimeMs > maxTimeMs) {
      throw new UserError(`${source}: run.minTimeMs (--min-time, ${minTimeMs} ms) is more than run.maxTimeMs (--max-time, ${maxTimeMs} ms): the loop would stop before its minimum`, 'CONFIG_INVALID');
    }
    const sustainedMs = config.run.sustained === undefined ? undefined : parseDuration(config.run.sustained);
    if (config.run.sustained !== undefined && (sustainedMs === undefined || sustainedMs > 86_400_000)) throw new UserError(`${source}: run.sustained (--sustained) must be a duration from 1 ms to 24 h, such as 10m`, 'CONFIG_INVALID');
    if (sustainedMs !== undefined) return { ...config, run: { ...sustainedRun(config.run, sustainedMs), sustained: sustainedMs } };
    return config;
  }
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${[path, key].filter(Boolean).join('.')}: unknown key`).join('; ');
    }
    // A bad record key (a backbone id): zod says only "Invalid key in record"; the inner issue says why.
    if (issue.code === 'invalid_key') return `${path}: ${issue.issues[0]?.message ?? issue.message}`;
    return `${path || '(root)'}: ${issue.message}`;
  });
  // One line, as every user error: the issues side by side.
  throw new UserError(`invalid ${source}: ${lines.join('; ')}`, 'CONFIG_INVALID');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `over` into `base`; arrays and scalars in `over` replace; undefined values are skipped. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    out[key] = deepMerge(base[key], value);
  }
  return out;
}
