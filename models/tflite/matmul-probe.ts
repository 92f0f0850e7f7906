/**
 * A TFLite runtime's attainable GFLOP/s is probed with a file that is almost
 * all one matrix product: a 1×1 convolution of 256 pixels × 512 channels by
 * 512 × 512 weights (0.13 GFLOP), after a 3 → 512 channel one (0.8 MFLOP)
 * that lets it take an RGB image like every model (so each runtime's own
 * session runs it unchanged). Written by our converter in the profiled
 * variant, so int8's integer kernels are probed as int8. The runtime times
 * it in the profile's own loop; GFLOP/s = `flops` / its p50.
 */
import * as tf from '@tensorflow/tfjs';
import { emitVariant, prepareModel, type Variant } from './convert.ts';

const SIDE = 16;
const CHANNELS = 512;

/** The probe's input side: an RGB image of SIDE × SIDE pixels. */
export const PROBE_SIDE = SIDE;

export interface MatmulProbeFile {
  bytes: Uint8Array;
  /** Its input: an RGB image of side × side pixels. */
  side: number;
  flops: number;
  /** For the profile: what was probed. */
  description: string;
}

export async function matmulProbeFile(variant: Variant): Promise<MatmulProbeFile> {
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [SIDE, SIDE, 3], filters: CHANNELS, kernelSize: 1, useBias: false, kernelInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 2 }) }),
      tf.layers.conv2d({ filters: CHANNELS, kernelSize: 1, useBias: false, kernelInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 3 }) }),
    ],
  });
  try {
    const calibration = variant === 'int8' ? Float32Array.from({ length: 4 * SIDE * SIDE * 3 }, (_, index) => ((index * 2654435761) % 1000) / 1000) : undefined;
    const bytes = await emitVariant(prepareModel(net), { variant, normalization: { scale: 1 / 255, offset: 0 }, ...(calibration ? { calibration } : {}) });
    return { bytes, side: SIDE, flops: 2 * SIDE * SIDE * (3 * CHANNELS + CHANNELS * CHANNELS), description: `a ${SIDE}×${SIDE}×${CHANNELS} → ${CHANNELS} 1×1 convolution, ${variant}` };
  } finally {
    net.dispose();
  }
}
