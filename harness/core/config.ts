/**
 * The configuration schema, validated with zod so that a misspelt key or a
 * wrong type is an error naming its path. The result is one resolved object
 * (`ResolvedConfig`) that every command receives and the run record keeps.
 * Reading `bench.config.*` and merging CLI flags is harness/config-file.ts.
 */
import { z } from 'zod';
import { UserError } from './errors.ts';
import { TARGETS, VARIANTS } from './record.ts';

const positiveInt = z.number().int().positive();
const fraction = z.number().min(0).max(100);


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
        /** `pidof` of the phone's browser: is it still running during a page job. */
        browserAliveMs: positiveInt.default(5000),
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
        /** Ending a WebDriver session. */
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
  /** Backbone ids to retrain and benchmark (see models/zoo.ts). */
  models: z.array(z.string().min(1)).min(1).default(['mobilenet_v2', 'inception_v3']),
  /** Extra backbones by URL or path, usable by id in `models`. */
  backbones: z.record(z.string(), customBackbone).default({}),
  dataset: z
    .strictObject({
      /** Class-per-folder image root; the generated default dataset when absent. */
      images: z.string().optional(),
      /** Seed of the generated default dataset. */
      seed: z.number().int().default(1),
      /** Images per class of the generated default dataset. */
      imagesPerClass: positiveInt.default(120),
      /** Percentages of each class held out, as retrain.py's --validation_percentage / --testing_percentage. */
      validationPercent: fraction.default(10),
      testPercent: fraction.default(10),
      /** Classes with fewer images than this get a warning. */
      minImagesPerClass: positiveInt.default(20),
    })
    .prefault({}),
  retrain: z
    .strictObject({
      steps: positiveInt.default(1000),
      learningRate: z.number().positive().default(0.005),
      batchSize: positiveInt.default(100),
      optimizer: z.enum(['sgd', 'momentum', 'adam', 'rmsprop']).default('adam'),
      /** Validation accuracy and loss every N steps. */
      evalEvery: positiveInt.default(50),
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
      bottleneckBatch: positiveInt.default(8),
    })
    .prefault({}),
  convert: z
    .strictObject({
      variants: z.array(z.enum(VARIANTS)).min(1).default([...VARIANTS]),
      /** Training images used to calibrate int8 activation ranges. */
      calibrationImages: positiveInt.default(100),
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
      evalLimit: positiveInt.optional(),
      warmupIterations: z.number().int().min(0).default(5),
      minSamples: positiveInt.default(20),
      minTimeMs: z.number().min(0).default(2000),
      maxTimeMs: z.number().positive().default(20000),
      batchSizes: z.array(positiveInt).min(1).default([1]),
      /** CPU threads for runtimes that take a count; default = cores. */
      threads: positiveInt.optional(),
      /** A job running longer than this fails (ms). */
      jobTimeoutMs: positiveInt.default(600000),
    })
    .prefault({}),
  browser: z
    .strictObject({
      /** Browser names or executable paths; every browser found when absent. */
      browsers: z.array(z.string()).optional(),
      headed: z.boolean().default(false),
      /** Extra command-line flags for Chromium-family browsers. */
      args: z.array(z.string()).default([]),
    })
    .prefault({}),
  android: z
    .strictObject({
      /** An external Appium server, Selenium Grid or device farm; the harness starts its own when absent. */
      appiumUrl: z.string().optional(),
      /** Capabilities merged over the defaults of each session. */
      capabilities: z.record(z.string(), z.unknown()).default({}),
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
    })
    .prefault({}),
  /** Bounds on every wait a target makes besides the job itself (see timeoutsSchema). */
  timeouts: timeoutsSchema,
  compare: z
    .strictObject({
      /** Relative change of p50 below which a shift counts as the same. */
      threshold: z.number().positive().default(0.05),
      /** Significance level of the Mann-Whitney U test. */
      alpha: z.number().positive().max(1).default(0.01),
      /** Accuracy drop in percentage points that counts as a regression. */
      accuracyDropPoints: z.number().min(0).default(1),
    })
    .prefault({}),
});

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
    return config;
  }
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${[path, key].filter(Boolean).join('.')}: unknown key`).join('\n');
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
  throw new UserError(`invalid ${source}:\n  ${lines.join('\n  ')}`, 'CONFIG_INVALID');
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
