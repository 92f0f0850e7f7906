/**
 * A `tflite-benchmark-model` job on a phone: TFLite's own benchmark tool run
 * in the phone's shell (./native.ts), its printed statistics turned into a
 * Measurement. The key keeps the threads and delegate the tool ran with.
 */
import type { ResolvedConfig } from '../../harness/core/config.ts';
import type { JobPhase } from '../../harness/core/record.ts';
import { chooseThreads, THREAD_RULES } from '../page/settings.ts';
import { failed, measured } from '../result.ts';
import type { JobResult, JobSpec, KeyOptions } from '../types.ts';
import { AdbCommandError, type Adb } from './adb.ts';
import type { BenchmarkDelegate } from './benchmark-model.ts';
import { parseBenchmarkOpProfile } from './benchmark-model-profile.ts';
import { probePeakOnPhone } from './native-probe.ts';
import type { JobPart } from './lane.ts';
import { latencySource, measurementFields, missingBinaryAdvice, NATIVE_RUNTIME, runBenchmarkModel } from './native.ts';

/** The threads and delegate benchmark_model runs a job with. */
export function nativeSettings(job: JobSpec, config: ResolvedConfig): { threads: number; delegate: BenchmarkDelegate } {
  const delegateOption = job.runtimeOptions.delegate;
  const delegate: BenchmarkDelegate = delegateOption === 'gpu' || delegateOption === 'none' ? delegateOption : 'xnnpack';
  // The phone's rule, the same for its page jobs (targets/page/settings.ts): at most 4 unless told otherwise.
  const threads = chooseThreads(job.runtimeOptions.threads, config.run.threads, job.device.cores ?? 4, 'phone');
  return { threads, delegate };
}

/** A native job's key options: the job's own, then the threads and delegate the tool runs with (no batch: it runs the model's own shape). */
export function nativeKeyOptions(job: JobSpec, config: ResolvedConfig): KeyOptions {
  return { ...job.runtimeOptions, ...nativeSettings(job, config) };
}

export function nativeJobPart(options: { adb(): Adb }): JobPart {
  return async (lane, job, context): Promise<JobResult> => {
    const { config } = context;
    const { threads, delegate } = nativeSettings(job, config);
    const binary = config.android.tfliteBenchmarkBinary;
    if (!binary) return failed(job, 'setup', new Error(`${NATIVE_RUNTIME}: ${missingBinaryAdvice(job.device.android?.abi ?? 'arm64-v8a')}`));
    if (job.artifact.format !== 'tflite') return failed(job, 'setup', new Error(`${NATIVE_RUNTIME} runs .tflite artifacts, not ${job.artifact.id}`));
    if (job.kernel.batchSize !== 1) {
      return failed(job, 'setup', new Error(`${NATIVE_RUNTIME} runs the model's own input shape (batch 1); batch ${job.kernel.batchSize} is measured by the page runtimes only`));
    }
    const startedAt = new Date().toISOString();
    try {
      const { parsed, command, output } = await runBenchmarkModel({
        adb: options.adb(),
        serial: lane.serial,
        binary,
        job,
        threads,
        delegate,
        timeoutMs: config.run.jobTimeoutMs,
        signal: context.signal,
        pushed: lane.pushed,
      });
      const device = {
        ...job.device,
        extra: {
          ...job.device.extra,
          backend: delegate === 'gpu' ? 'TFLite GPU delegate' : delegate === 'xnnpack' ? 'TFLite XNNPACK' : 'TFLite builtin kernels',
          threads,
          threadsDefault: THREAD_RULES.phone,
          latencySource: latencySource(parsed.runs),
          command,
          ...(parsed.delegateNotes.length ? { delegate: parsed.delegateNotes.join(' | ') } : {}),
        },
      };
      const done = measured(job, measurementFields(parsed), { device, startedAt });
      if (!done.ok || job.profile?.method !== 'benchmark_model') return done;
      // The peak probes run after the job, through the same tool and settings (./native-probe.ts).
      const probes = job.profile.probes;
      const peak = probes?.length ? await probePeakOnPhone({ adb: options.adb(), serial: lane.serial, binary, job, threads, delegate, timeoutMs: config.run.jobTimeoutMs, signal: context.signal, pushed: lane.pushed, probes }) : undefined;
      return { ...done, profile: { method: 'benchmark_model', ...parseBenchmarkOpProfile(output), ...(peak ? { peak } : {}) } };
    } catch (error) {
      // Which phase failed is unknown inside the tool; a failed push is setup, anything later the load.
      const phase: JobPhase = error instanceof AdbCommandError && error.args.includes('push') ? 'setup' : 'load';
      return failed(job, phase, error);
    }
  };
}
