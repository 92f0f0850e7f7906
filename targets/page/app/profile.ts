/**
 * A profiled page job (PageJob.profile), after its measurement: tf.profile
 * around one inference on the job's TF.js backend, kernels attributed to
 * layers by the same module as on Node (../../kernel/tfjs-profile.ts); or,
 * on LiteRT.js, each prefix model timed in a loop of its own on the job's
 * runtime and settings (the host turns the times into blocks, as for
 * tflite-node). The input is the pack's first image.
 */
import type { RawProfile } from '../../../harness/core/profile.ts';
import { fastestOf, p50Of } from '../../kernel/p50-loop.ts';
import { profileTfjs } from '../../kernel/tfjs-profile.ts';
import { tfjsPeak } from '../../kernel/peak-probe.ts';
import { bestPeak, type ProbeTiming } from '../../../harness/core/roofline.ts';
import { setupLitert } from './litert.ts';
import type { PageJob, PageProfileRequest } from './protocol.ts';
import { loadTfjsForProfile } from './tfjs.ts';

export async function profileInPage(job: PageJob, request: PageProfileRequest, pixels: Uint8Array): Promise<RawProfile> {
  if (request.method === 'tf.profile') {
    if (!job.runtime.startsWith('tfjs-')) throw new Error(`${job.runtime} cannot be profiled with tf.profile (TF.js runtimes only)`);
    const loaded = await loadTfjsForProfile(job);
    try {
      const profile = await profileTfjs(loaded.tf, loaded.model, () => loaded.session.run(pixels, 1), new Map(Object.entries(request.layerFlops)), request.repeats);
      const peak = request.probe ? await tfjsPeak(loaded.probeTf, request.probeShapes) : undefined;
      return { method: 'tf.profile', ...profile, ...(peak ? { peak } : {}) };
    } finally {
      await loaded.session.dispose();
    }
  }
  if (!job.runtime.startsWith('litert-')) throw new Error(`${job.runtime} is profiled with tf.profile, not prefix models`);
  const ms: number[] = [];
  // One file at a time, each in its own loop, as on tflite-node.
  for (const url of request.urls) {
    const session = await (await setupLitert({ ...job, artifactUrl: url })).load();
    try {
      ms.push(await p50Of(() => session.run(pixels, 1), request.budget));
    } finally {
      await session.dispose();
    }
  }
  if (!request.probes?.length) return { method: 'prefix-attribution', ms };
  // Each probe takes an RGB image of its own size, through the same session as every file; the best rate is the peak.
  const timings: ProbeTiming[] = [];
  for (const probe of request.probes) {
    const session = await (await setupLitert({ ...job, artifactUrl: probe.url, model: { ...job.model, inputSize: probe.side } })).load();
    try {
      const probeMs = await fastestOf(() => session.run(Uint8Array.from({ length: probe.side * probe.side * 3 }, (_, index) => (index * 37) % 256), 1), request.budget);
      timings.push({ description: probe.description, flops: probe.flops, ms: probeMs });
    } finally {
      await session.dispose();
    }
  }
  const peak = bestPeak(timings);
  return { method: 'prefix-attribution', ms, ...(peak ? { peak } : {}) };
}
