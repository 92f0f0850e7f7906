/**
 * A TF.js backend's attainable GFLOP/s: a square float32 matrix product and
 * the model's costliest convolutions in their own shapes (as the TFLite
 * runtimes' probe files, models/tflite/peak-probes.ts), each timed in the
 * profile's loop on the active backend (read back each time, as an
 * inference is); the best rate is the peak (a shape the backend is slow at
 * must not set the ceiling). The "% of peak" column and the roofline's
 * ceiling use it where the user gives no peak. No Node APIs: the page
 * imports it.
 */
import type { Peak, ProbeShape } from '../../harness/core/profile.ts';
import { bestPeak, describeProbeShape, probeShapeFlops, type ProbeTiming } from '../../harness/core/roofline.ts';
import { fastestOf, type LoopBudget } from './p50-loop.ts';

export type ProbeTf = Pick<typeof import('@tensorflow/tfjs'), 'matMul' | 'fill' | 'getBackend' | 'conv2d' | 'depthwiseConv2d'>;

/** 512: 0.27 GFLOP a product, a few ms on a wasm core and well clear of the launch overheads a small product is made of. */
export const MATMUL_PROBE_SIZE = 512;

/** The probe's loop: five products and 200 ms at least, a second or two where a backend runs at 1 GFLOP/s. */
export const PROBE_BUDGET: LoopBudget = { minSamples: 5, minTimeMs: 200 };

type Tensor = import('@tensorflow/tfjs').Tensor;

/** Fastest time of `run` (its result read back and disposed each time) over `inputs`, which are disposed after. */
async function timeOp(inputs: Tensor[], run: () => Tensor, budget: LoopBudget): Promise<number> {
  try {
    return await fastestOf(async () => {
      const result = run();
      try {
        await result.data();
      } finally {
        result.dispose();
      }
    }, budget);
  } finally {
    for (const input of inputs) input.dispose();
  }
}

/** The peak on the active backend: the matMul probe and one per convolution shape, the best rate. */
export async function tfjsPeak(tf: ProbeTf, shapes: readonly ProbeShape[] = [], budget: LoopBudget = PROBE_BUDGET, size = MATMUL_PROBE_SIZE): Promise<Peak | undefined> {
  const timings: ProbeTiming[] = [];
  const a = tf.fill([size, size], 0.5);
  const b = tf.fill([size, size], 0.25);
  timings.push({ description: `${size}×${size} float32 matMul on ${tf.getBackend()}`, flops: 2 * size ** 3, ms: await timeOp([a, b], () => tf.matMul(a, b), budget) });
  for (const shape of shapes) {
    const x = tf.fill([1, shape.side, shape.side, shape.inChannels], 0.5) as import('@tensorflow/tfjs').Tensor4D;
    const strides: [number, number] = [shape.strideH, shape.strideW];
    const filter = tf.fill(shape.op === 'conv' ? [shape.kernelH, shape.kernelW, shape.inChannels, shape.outChannels] : [shape.kernelH, shape.kernelW, shape.inChannels, Math.max(1, Math.round(shape.outChannels / shape.inChannels))], 0.01) as import('@tensorflow/tfjs').Tensor4D;
    const run = shape.op === 'conv' ? () => tf.conv2d(x, filter, strides, shape.padding) : () => tf.depthwiseConv2d(x, filter, strides, shape.padding);
    timings.push({ description: `${describeProbeShape(shape)} on ${tf.getBackend()}`, flops: probeShapeFlops(shape), ms: await timeOp([x, filter], run, budget) });
  }
  return bestPeak(timings);
}
