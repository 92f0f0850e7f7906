/**
 * The attainable peak on a phone's `benchmark_model`: the same peak probe
 * files as every TFLite runtime (models/tflite/peak-probes.ts, sent by the
 * host with the profile request), each pushed and run through the same tool,
 * threads and delegate as the job; a probe's time is its fastest measured
 * run (the tool's `min=`, as the other runtimes take their probes' fastest),
 * the best rate among them the peak. A probe that fails to run leaves the
 * profile without a peak rather than failing it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Peak, ProbeFile } from '../../harness/core/profile.ts';
import { bestPeak, type ProbeTiming } from '../../harness/core/roofline.ts';
import { runBenchmarkModel, type NativeRunOptions } from './native.ts';

/** The phone-side name of probe `index` holds `peak-probe-`: the fake adb (test/fixtures/fake-adb) answers its recording for it. */
const probeModel = (index: number) => `peak-probe-${index}`;

export async function probePeakOnPhone(options: Omit<NativeRunOptions, 'job'> & { job: NativeRunOptions['job']; probes: readonly ProbeFile[] }): Promise<Peak | undefined> {
  const { probes, job: measuredJob, ...run } = options;
  const { profile: _profile, ...job } = measuredJob;
  const dir = await mkdtemp(join(tmpdir(), 'edgebench-probe-'));
  try {
    const timings: ProbeTiming[] = [];
    for (const [index, probe] of probes.entries()) {
      const path = join(dir, `${probeModel(index)}.tflite`);
      await writeFile(path, probe.file);
      const sha256 = createHash('sha256').update(probe.file).digest('hex');
      const { parsed } = await runBenchmarkModel({ ...run, job: { ...job, artifact: { ...job.artifact, model: probeModel(index), path, sha256 } } });
      const us = parsed.runs.min ?? parsed.runs.median ?? parsed.runs.avg ?? parsed.inferenceAvgUs;
      timings.push({ description: `${probe.description} on benchmark_model`, flops: probe.flops, ms: us / 1000 });
    }
    return bestPeak(timings);
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
