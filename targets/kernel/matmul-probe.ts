/**
 * A TF.js backend's attainable GFLOP/s: a square float32 matrix product on
 * the active backend, timed in the profile's loop (read back each time, as
 * an inference is). The "% of peak" column and the roofline's ceiling use
 * it where the user gives no peak. No Node APIs: the page imports it.
 */
import type { Peak } from '../../harness/core/profile.ts';
import { p50Of, type LoopBudget } from './p50-loop.ts';

export type ProbeTf = Pick<typeof import('@tensorflow/tfjs'), 'matMul' | 'fill' | 'getBackend'>;

/** 512: 0.27 GFLOP a product, a few ms on a wasm core and well clear of the launch overheads a small product is made of. */
export const MATMUL_PROBE_SIZE = 512;

/** The probe's loop: five products and 200 ms at least, a second or two where a backend runs at 1 GFLOP/s. */
export const PROBE_BUDGET: LoopBudget = { minSamples: 5, minTimeMs: 200 };

export async function tfjsMatmulPeak(tf: ProbeTf, budget: LoopBudget = PROBE_BUDGET, size = MATMUL_PROBE_SIZE): Promise<Peak> {
  const a = tf.fill([size, size], 0.5);
  const b = tf.fill([size, size], 0.25);
  try {
    const ms = await p50Of(async () => {
      const product = tf.matMul(a, b);
      try {
        await product.data();
      } finally {
        product.dispose();
      }
    }, budget);
    return { gflops: (2 * size ** 3) / ms / 1e6, source: `probe: ${size}×${size} float32 matMul on ${tf.getBackend()}, p50 ${ms.toFixed(2)} ms` };
  } finally {
    a.dispose();
    b.dispose();
  }
}
