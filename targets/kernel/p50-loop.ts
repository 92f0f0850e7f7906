/**
 * The timing loop a profile is measured beside: one warm-up, then at least
 * `minSamples` inferences and `minTimeMs`, the median. Node's profile runners
 * and the page's both time their prefix models and p50s with it, so the two
 * attributions are taken the same way. No Node APIs: the page imports it.
 */

/** How long each timing loop runs, at least `minSamples` inferences. */
export interface LoopBudget {
  minSamples: number;
  minTimeMs: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The times of `run` over a loop of at least the budget, after one warm-up. */
async function samplesOf(run: () => Promise<unknown>, budget: LoopBudget): Promise<number[]> {
  await run();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < budget.minSamples || performance.now() - started < budget.minTimeMs) {
    const at = performance.now();
    await run();
    samples.push(performance.now() - at);
  }
  return samples;
}

/** Median time of `run` over a loop of at least the budget, after one warm-up. */
export async function p50Of(run: () => Promise<unknown>, budget: LoopBudget): Promise<number> {
  return median(await samplesOf(run, budget));
}

/**
 * Fastest time of `run` over the same loop: what the peak probes take. An
 * attainable peak is the best the runtime did; other work on the machine
 * only ever adds time, and a short probe's median under load fell to a
 * quarter of its quiet rate (the model's own p50 then "beat" its peak).
 */
export async function fastestOf(run: () => Promise<unknown>, budget: LoopBudget): Promise<number> {
  return Math.min(...(await samplesOf(run, budget)));
}
