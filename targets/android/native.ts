/**
 * Native TFLite on the phone: push the official `benchmark_model` binary and
 * the `.tflite` file with adb, run it in the phone's shell, and turn what it
 * prints into the same Measurement fields every other runtime fills.
 *
 * What the tool cannot give: per-iteration samples (it prints statistics
 * only, so `samples` is empty), p90 and p99 (the record keeps p95 and max as
 * upper bounds, and says so in `device.extra.latencySource`), and accuracy on
 * the evaluation pack (it feeds random inputs), so `evaluation` is null.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { LatencyStats } from '../../harness/core/record.ts';
import { relativeMarginOfError } from '../../harness/core/stats.ts';
import type { Job } from '../types.ts';
import { shellQuote, type Adb } from './adb.ts';
import { benchmarkModelFlags, parseBenchmarkModelOutput, type BenchmarkDelegate, type BenchmarkModelResult, type BenchmarkStatLine } from './benchmark-model.ts';

/** Where pushed files live on the phone: the one world-writable, executable place without root. */
export const REMOTE_DIR = '/data/local/tmp/edgebench';
export const NATIVE_RUNTIME = 'tflite-benchmark-model';

const MB = 1024 * 1024;

/** ELF e_machine values of the Android ABIs. */
const ABI_MACHINES: Record<string, number> = { 'arm64-v8a': 183, 'armeabi-v7a': 40, armeabi: 40, x86_64: 62, x86: 3 };
const MACHINE_NAMES: Record<number, string> = { 183: 'arm64-v8a', 40: 'armeabi-v7a', 62: 'x86_64', 3: 'x86' };

/** Where TFLite publishes its nightly prebuilt benchmark_model for Android, by the phone's ABI. */
const PREBUILT_BASE = 'https://storage.googleapis.com/tensorflow-nightly-public/prod/tensorflow/release/lite/tools/nightly/latest';
const PREBUILT_NAMES: Record<string, string> = { 'arm64-v8a': 'android_aarch64_benchmark_model', 'armeabi-v7a': 'android_arm_benchmark_model' };
/** The TFLite page that lists the prebuilt binaries. */
export const PREBUILT_DOCS = 'https://www.tensorflow.org/lite/performance/measurement#native_benchmark_binary';

/** TFLite's prebuilt benchmark_model for this ABI (name and URL), or null when it publishes none (x86 phones and emulators). */
export function prebuiltBenchmarkModel(abi: string): { name: string; url: string } | null {
  const name = PREBUILT_NAMES[abi];
  return name ? { name, url: `${PREBUILT_BASE}/${name}` } : null;
}

/** One line for a phone with no benchmark_model given: where to get one for its ABI, and how to pass it. */
export function missingBinaryAdvice(abi: string): string {
  const prebuilt = prebuiltBenchmarkModel(abi);
  if (!prebuilt) {
    return `no benchmark_model given, and TFLite publishes none prebuilt for ${abi} (${PREBUILT_DOCS}): build one (bazel build -c opt --config=android_${abi === 'x86_64' ? 'x86_64' : 'x86'} //tensorflow/lite/tools/benchmark:benchmark_model) and pass --tflite-benchmark-binary <file> (or set android.tfliteBenchmarkBinary)`;
  }
  return `no benchmark_model given: TFLite publishes a prebuilt one for ${abi}, ${prebuilt.name} (${prebuilt.url}, listed at ${PREBUILT_DOCS}); download it and pass --tflite-benchmark-binary ./${prebuilt.name} (or set android.tfliteBenchmarkBinary)`;
}

/**
 * Whether `binary` can run on a phone with `abi`: null when fine, else why
 * not. Reads the ELF header only (a wrong-ABI binary fails on the phone with
 * a bare "not executable: 64-bit ELF file" otherwise).
 */
export async function checkBenchmarkBinary(binary: string, abi: string): Promise<string | null> {
  let header: Buffer;
  try {
    const file = await open(binary, 'r');
    try {
      header = Buffer.alloc(20);
      await file.read(header, 0, 20, 0);
    } finally {
      await file.close();
    }
  } catch (error) {
    return `android.tfliteBenchmarkBinary ${binary} cannot be read: ${(error as Error).message}`;
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return `${binary} is not an ELF executable: use benchmark_model built for Android (${abi})`;
  const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  const expected = ABI_MACHINES[abi];
  if (expected !== undefined && machine !== expected) {
    return `${basename(binary)} is built for ${MACHINE_NAMES[machine] ?? `ELF machine ${machine}`}, the phone is ${abi}: use the android_${abi === 'arm64-v8a' ? 'aarch64' : abi} build`;
  }
  return null;
}

export interface NativeRunOptions {
  adb: Adb;
  serial: string;
  /** Host path of benchmark_model. */
  binary: string;
  job: Job;
  threads: number;
  delegate: BenchmarkDelegate;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Remote paths already pushed to this device (kept by the caller across jobs). */
  pushed: Set<string>;
}

export interface NativeRunResult {
  parsed: BenchmarkModelResult;
  /** The full command run on the phone, for the record and for reproducing by hand. */
  command: string;
  /** What the tool printed (its op profile, when the job asked for one). */
  output: string;
}

/** Pushes what is missing and runs the tool once. Throws on adb or tool failure. */
export async function runBenchmarkModel(options: NativeRunOptions): Promise<NativeRunResult> {
  const { adb, serial, job } = options;
  const remoteBinary = `${REMOTE_DIR}/benchmark_model`;
  // The artifact's hash in the name: a retrained model never reuses a stale copy on the phone.
  const remoteModel = `${REMOTE_DIR}/${job.artifact.model}-${job.artifact.variant}-${job.artifact.sha256.slice(0, 12)}.tflite`;
  if (!options.pushed.has(remoteBinary)) {
    await adb.shell(serial, `mkdir -p ${REMOTE_DIR}`);
    await adb.push(serial, options.binary, remoteBinary, options.signal ? { signal: options.signal } : {});
    await adb.shell(serial, `chmod 755 ${remoteBinary}`);
    options.pushed.add(remoteBinary);
  }
  if (!options.pushed.has(remoteModel)) {
    await adb.push(serial, job.artifact.path, remoteModel, options.signal ? { signal: options.signal } : {});
    options.pushed.add(remoteModel);
  }
  const flags = benchmarkModelFlags({
    graph: remoteModel,
    threads: options.threads,
    delegate: options.delegate,
    warmupRuns: Math.max(1, job.kernel.warmupIterations),
    numRuns: job.kernel.minSamples,
    minSecs: job.kernel.minTimeMs / 1000,
    maxSecs: job.kernel.maxTimeMs / 1000,
    opProfiling: job.profile?.method === 'benchmark_model',
  });
  // The tool logs to stderr; 2>&1 keeps both streams in one text whatever the adb shell protocol.
  const command = `${remoteBinary} ${flags.map(shellQuote).join(' ')} 2>&1`;
  const output = await adb.shell(serial, command, { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  return { parsed: parseBenchmarkModelOutput(output), command, output };
}

/** LatencyStats in ms from the tool's statistics line (µs). */
export function latencyFromStatLine(stat: BenchmarkStatLine, averageUs: number): LatencyStats {
  const ms = (us: number | undefined) => (us ?? 0) / 1000;
  const mean = ms(stat.avg ?? averageUs);
  const sd = ms(stat.std ?? 0);
  const max = ms(stat.max ?? stat.avg ?? averageUs);
  const p95 = stat.p95 !== undefined ? ms(stat.p95) : max;
  const n = stat.count;
  return {
    samples: n,
    mean,
    sd,
    min: ms(stat.min ?? stat.avg ?? averageUs),
    max,
    // Without a printed median the mean stands in; without p90/p99 the next printed upper bound does.
    p50: stat.median !== undefined ? ms(stat.median) : mean,
    p90: p95,
    p95,
    p99: max,
    rme: relativeMarginOfError(mean, sd, n),
  };
}

/** Which latency fields are the tool's own and which are bounds, in words for the record. */
export function latencySource(stat: BenchmarkStatLine): string {
  const printed = stat.median !== undefined ? 'mean, sd, min, max, p50, p95 printed' : 'mean, sd, min, max printed; p50 = mean';
  return `benchmark_model statistics (${printed}; p90 ≤ ${stat.p95 !== undefined ? 'p95' : 'max'}, p99 ≤ max; no per-run samples)`;
}

/** The Measurement fields the tool's output fills. */
export function measurementFields(parsed: BenchmarkModelResult) {
  const latency = latencyFromStatLine(parsed.runs, parsed.inferenceAvgUs);
  const warmupCount = parsed.warmup?.count ?? 0;
  return {
    loadMs: parsed.initUs / 1000,
    firstInferenceMs: parsed.firstInferenceUs / 1000,
    warmup: { iterations: warmupCount, ms: (parsed.warmupAvgUs * warmupCount) / 1000 },
    latency,
    samples: [] as number[],
    throughput: latency.mean > 0 ? 1000 / latency.mean : 0,
    memory: {
      ...(parsed.peakMemoryMb !== undefined ? { peakRssBytes: Math.round(parsed.peakMemoryMb * MB) } : {}),
      ...(parsed.footprintDeltaMb ? { runtimeBytes: Math.round(parsed.footprintDeltaMb.overall * MB) } : {}),
    },
    evaluation: null,
  };
}
