/**
 * An A/B of `tflite-benchmark-model` on a phone. TFLite's benchmark tool
 * loads one model per process, so A and B cannot alternate inside one: they
 * alternate whole runs of the tool instead, in the A B B A order across
 * process pairs (as the Node target does for a git ref's tree:
 * targets/node/ab-trees.ts). Each run is a plain phone job on the lane
 * (./lane.ts), so it has the cool-down and the phone's state before and
 * after, as any native job.
 *
 * The tool prints statistics, not per-run samples, so each run gives one
 * number: its p50 (the mean where the tool printed no median). A process
 * pair is then one A and one B median, and the verdict's spread is the
 * spread across process pairs (harness/core/paired.ts, processes − 1
 * degrees of freedom): use 4 or more.
 */
import type { ProcessPairs } from '../../harness/core/paired.ts';
import { abbaFirst } from '../kernel/paired.ts';
import type { Job, JobResult, PairDeviceState, PairJob, PairJobResult, TargetContext } from '../types.ts';

/** Runs one side's job once (a plain native job on the lane, with its cool-down and device state). */
export type RunSide = (job: Job) => Promise<JobResult>;

export async function runNativePair(pair: PairJob, context: TargetContext, run: RunSide): Promise<PairJobResult> {
  if (pair.baselineTree) {
    // benchmark_model is the phone's binary, not either tree's code: only the artifacts differ, which is what A and B already hold.
    context.log.debug(`${pair.b.runtime}: the baseline's code does not run on the phone; its artifacts do`);
  }
  const processes: ProcessPairs[] = [];
  const states: PairDeviceState[] = [];
  for (let index = 0; index < pair.processes; index += 1) {
    if (context.signal.aborted) break;
    const order = abbaFirst(index) === 'a' ? (['a', 'b'] as const) : (['b', 'a'] as const);
    const p50: Partial<Record<'a' | 'b', number>> = {};
    for (const side of order) {
      const result = await run(pair[side]);
      // A side that fails once fails the key: a B that fails while A measures is a regression.
      if (!result.ok) return { ok: false, side, phase: result.failure.phase, error: result.failure.error };
      p50[side] = result.measurement.latency.p50;
      states.push({ side, ...result.measurement.deviceState });
    }
    processes.push({ a: [p50.a!], b: [p50.b!] });
  }
  if (processes.length === 0) return { ok: false, side: 'both', phase: 'setup', error: { name: 'AbortError', message: 'interrupted before the first process pair' } };
  return { ok: true, processes, design: 'alternating processes', deviceStates: states };
}
