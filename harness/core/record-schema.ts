/**
 * The run record's shape as a zod schema, checked when a record is read
 * (harness/history.ts), so that a changed, truncated or hand-edited run.json
 * is one line naming the file and the field, never a TypeError deep inside a
 * report. Objects are loose (unknown fields pass through: a newer minor
 * writer may add some); what the readers rely on is required and typed.
 * Arrays a crashed run never wrote default to empty.
 */
import { z } from 'zod';
import { isSafeSegment, SAFE_SEGMENT_RULE } from './path-segment.ts';
import { RECORD_SCHEMA, WORKLOADS, type RunRecord } from './record.ts';

const count = z.number().int().min(0);
/** NaN is written to JSON as null (an accuracy with no image to measure it on). */
const maybeNumber = z.number().nullable();
const optionValue = z.union([z.string(), z.number(), z.boolean()]);

const key = z.looseObject({
  model: z.string(),
  format: z.string(),
  variant: z.string(),
  target: z.string(),
  device: z.string(),
  runtime: z.string(),
  options: z.record(z.string(), optionValue),
  /** Absent: inference (records from before workloads). */
  workload: z.enum(WORKLOADS).optional(),
});

const device = z.looseObject({ id: z.string(), kind: z.string(), name: z.string() });

const latency = z.looseObject({
  samples: count,
  mean: z.number(),
  sd: z.number(),
  min: z.number(),
  max: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  rme: z.number(),
});

const evaluation = z.looseObject({
  images: count,
  accuracy: maybeNumber, // NaN (null) for an unlabelled pack: a user model benchmarked without --images
  agreement: z.looseObject({ reference: z.string(), top1: z.number(), maxAbsDiff: z.number() }).nullable().optional(),
  fingerprint: z.string().optional(),
  reusedFrom: z.string().optional(),
});

/** One round of a measurement (../round-schedule.ts): compare decides on these. */
const round = z.looseObject({
  round: z.number().int().positive(),
  startedAt: z.string(),
  finishedAt: z.string(),
  loadMs: z.number(),
  firstInferenceMs: z.number(),
  latency,
  samples: z.array(z.number()).default([]),
});

/** What a retrain job measured (record.ts RetrainNumbers). */
const retrain = z.looseObject({
  extraction: z.looseObject({ images: count, batchSize: z.number().int().positive(), ms: z.number(), imagesPerSecond: z.number() }),
  training: z.looseObject({ steps: count, batchSize: z.number().int().positive(), ms: z.number(), msPerStep: z.number(), finalLoss: maybeNumber }),
  timeToRetrainMs: z.number(),
  accuracy: maybeNumber,
  host: z.looseObject({ accuracy: z.number(), backend: z.string(), tolerance: z.number().min(0) }).nullable(),
  diverged: z.boolean(),
  peakRuntimeBytes: z.number().optional(),
});

/** A job's energy (energy-record.ts): a method and, when measured, its figure per inference. */
const energy = z.discriminatedUnion('method', [
  z.looseObject({ method: z.literal('power-stats-hal'), window: z.enum(['loop', 'job']), inferences: z.number().positive(), durationMs: z.number().min(0), mJPerInference: z.number().min(0), netMJ: z.number().min(0), totalMJ: z.number().min(0), idle: z.looseObject({ durationMs: z.number(), mW: z.number() }), rails: z.array(z.looseObject({ rail: z.string(), subsystem: z.string(), mJ: z.number(), netMJ: z.number(), mJPerInference: z.number() })) }),
  z.looseObject({ method: z.literal('battery'), window: z.enum(['loop', 'job']), inferences: z.number().positive(), durationMs: z.number().min(0), mJPerInference: z.number().min(0), samples: count, sampleHz: z.number().min(0), meanPowerMw: z.number().min(0) }),
  z.looseObject({ method: z.literal('none'), reason: z.string() }),
]);

const measurement = z.looseObject({
  key,
  artifact: z.string(),
  device: device.optional(),
  batchSize: z.number().int().positive().optional(),
  loadMs: z.number(),
  firstInferenceMs: z.number(),
  latency,
  samples: z.array(z.number()).default([]),
  throughput: z.number(),
  memory: z.looseObject({ peakRssBytes: z.number().optional(), runtimeBytes: z.number().optional(), runtimeTensors: z.number().optional() }).default({}),
  evaluation: evaluation.nullable().default(null),
  rounds: z.array(round).min(1).optional(),
  unchangedSince: z.string().optional(),
  retrain: retrain.optional(),
  energy: energy.optional(),
  sustained: z
    .looseObject({
      durationS: z.number().min(0),
      perSecond: z.array(z.looseObject({ t: z.number().int().min(0), inferences: count, p50: z.number() })),
      windowS: z.number().min(0),
      firstP50: z.number(),
      lastP50: z.number(),
      deviceSource: z.enum(['adb', 'sysfs', 'none']),
      device: z.array(z.looseObject({ t: z.number() })).default([]),
      throttleEvents: z.array(z.looseObject({ t: z.number(), from: z.string(), to: z.string() })).default([]),
      firstThrottleS: z.number().nullable(),
    })
    .optional(),
  gflops: z.number().min(0).optional(),
});

const failure = z.looseObject({
  key,
  artifact: z.string(),
  round: z.number().int().positive().optional(),
  phase: z.string(),
  error: z.looseObject({ name: z.string().default('Error'), message: z.string(), stack: z.string().optional() }),
  at: z.string(),
});

const artifact = z.looseObject({ id: z.string(), model: z.string(), format: z.string(), variant: z.string(), path: z.string(), bytes: count, gzipBytes: count, sha256: z.string(), flops: z.number().min(0).optional() });

const trainingPoint = z.looseObject({ step: count, trainAccuracy: maybeNumber, trainLoss: maybeNumber, validationAccuracy: maybeNumber, validationLoss: maybeNumber });

const training = z.looseObject({
  model: z.string(),
  backbone: z.string(),
  classNames: z.array(z.string()),
  splits: z.looseObject({ train: count, validation: count, test: count }),
  testAccuracy: maybeNumber,
  history: z.array(trainingPoint).default([]),
  confusionMatrix: z.array(z.array(z.number())).default([]),
});

const runtimeSize = z.looseObject({
  runtime: z.string(),
  files: z.array(z.looseObject({ path: z.string(), bytes: count, gzipBytes: count })),
  bytes: count,
  gzipBytes: count,
});

const UNKNOWN_HOST = { os: 'unknown', platform: 'unknown', arch: 'unknown', cpu: 'unknown', cores: 0, memoryBytes: 0, node: 'unknown' };

export const runRecordSchema = z.looseObject({
  schema: z.number().int(),
  benchmark: z.looseObject({ name: z.string(), version: z.number() }).default({ name: 'unknown', version: 0 }),
  runId: z.string().refine(isSafeSegment, { message: `a run id is one folder name (${SAFE_SEGMENT_RULE})` }),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  status: z.enum(['running', 'complete', 'interrupted']).default('running'),
  host: z.looseObject({}).default(UNKNOWN_HOST),
  git: z.looseObject({ commit: z.string(), dirty: z.boolean() }).optional(),
  config: z.unknown().default(null),
  artifacts: z.array(artifact).default([]),
  training: z.array(training).default([]),
  runtimeSizes: z.array(runtimeSize).default([]),
  devices: z.array(device).default([]),
  measurements: z.array(measurement).default([]),
  failures: z.array(failure).default([]),
  profiles: z.array(z.looseObject({ model: z.string(), flops: z.number(), runtimes: z.array(z.looseObject({ runtime: z.string(), variant: z.string(), rows: z.array(z.looseObject({ name: z.string(), kind: z.string(), ms: z.number().nullable() })) })) })).optional(),
  conditions: z
    .looseObject({
      rounds: z.number().int().positive(),
      order: z.string(),
      cooldownMs: z.number().min(0),
      threads: z.number(),
      affinity: z.looseObject({ cpus: z.array(z.number().int().min(0)), applied: z.boolean() }).nullable(),
    })
    .optional(),
});

/** `measurements[3].latency.p50` from zod's path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), '') || '(the record)';
}

export type RecordCheck = { ok: true; record: RunRecord } | { ok: false; problem: string };

/**
 * Checks a parsed run.json. The first problem is one line: the field and
 * what is wrong with it (`measurements[0].key: expected object, received undefined`);
 * a record of a newer schema than this version reads is refused up front,
 * since its fields may mean something else.
 */
export function checkRunRecord(value: unknown): RecordCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'not a run record (expected a JSON object)' };
  const schema = (value as { schema?: unknown }).schema;
  if (typeof schema === 'number' && schema > RECORD_SCHEMA) {
    return { ok: false, problem: `written with record schema ${schema}, newer than the ${RECORD_SCHEMA} this edgebench reads: upgrade edgebench to read it` };
  }
  const result = runRecordSchema.safeParse(value);
  if (result.success) return { ok: true, record: result.data as unknown as RunRecord };
  const [first, ...rest] = result.error.issues;
  const message = first!.message.replace(/^Invalid input: /, '');
  return { ok: false, problem: `${fieldPath(first!.path)}: ${message}${rest.length ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})` : ''}` };
}
