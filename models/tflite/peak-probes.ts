/**
 * A TFLite runtime's attainable GFLOP/s is probed with files that are almost
 * all one convolution: the model's own costliest convolutions in their exact
 * shapes (a peak the model beats is no peak: a fixed 1×1 shape is not every
 * runtime's fast one, and LiteRT.js ran MobileNetV2 at 127–175% of one), and
 * one representative shape, a 16×16×512 → 512 1×1 convolution. Each takes an
 * RGB image like every model (a 1×1 convolution from 3 channels first, where
 * the layer's input has more), so each runtime's own session runs it
 * unchanged, and ends in a global average pool, so that like a model it
 * hands back a few values, not a feature map; its FLOPs are counted on its
 * own graph, that first convolution and the pool included. Written by our converter in the profiled variant, so int8's
 * integer kernels are probed as int8. The runtime times each in the
 * profile's own loop; the best GFLOP/s is the peak (harness/core/roofline.ts
 * `bestPeak`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ProbeFile, ProbeShape } from '../../harness/core/profile.ts';
import { describeProbeShape } from '../../harness/core/roofline.ts';
import { emitVariant, prepareModel, type Variant } from './convert.ts';
import { macsOf, modelFlops } from './flops.ts';
import type { IrGraph } from './graph.ts';

/** The representative shape: 0.13 GFLOP of one matrix product, well clear of per-op overheads. */
export const REPRESENTATIVE_PROBE: ProbeShape = { op: 'conv', side: 16, inChannels: 512, outChannels: 512, kernelH: 1, kernelW: 1, strideH: 1, strideW: 1, padding: 'valid' };

/** How many of the model's costliest distinct convolution shapes are probed besides the representative one. */
export const MODEL_PROBES = 2;

/**
 * The shapes to probe for a model: its costliest convolutions and depthwise
 * convolutions by FLOPs (distinct shapes, square inputs, no dilation: what a
 * probe file reproduces exactly), costliest first, then the representative.
 */
export function probeShapes(graph: IrGraph, count = MODEL_PROBES): ProbeShape[] {
  const candidates: { shape: ProbeShape; flops: number }[] = [];
  for (const op of graph.ops) {
    const options = op.options;
    if ((options.kind !== 'conv' && options.kind !== 'depthwise') || options.dilationH !== 1 || options.dilationW !== 1) continue;
    const [, height, width, inChannels] = graph.tensors[op.inputs[0]!]!.shape;
    const weights = graph.tensors[op.inputs[1]!]!.shape;
    const outChannels = options.kind === 'conv' ? weights[0] : weights[3];
    if (height === undefined || height !== width || inChannels === undefined || outChannels === undefined) continue;
    const kernelH = weights[1] ?? 1;
    const kernelW = weights[2] ?? 1;
    const shape: ProbeShape = {
      op: options.kind,
      side: height,
      inChannels,
      outChannels,
      kernelH,
      kernelW,
      strideH: options.strideH,
      strideW: options.strideW,
      // A 1×1 kernel pads nothing either way: one shape, however the layer spelled it.
      padding: options.padding === 'SAME' && (kernelH > 1 || kernelW > 1) ? 'same' : 'valid',
      ...(op.layer ? { layer: op.layer } : {}),
    };
    candidates.push({ shape, flops: 2 * macsOf(graph, op) });
  }
  const key = ({ layer: _layer, ...shape }: ProbeShape) => JSON.stringify(shape);
  const picked = new Map<string, ProbeShape>();
  for (const { shape } of candidates.sort((a, b) => b.flops - a.flops)) {
    if (picked.size >= count) break;
    if (!picked.has(key(shape))) picked.set(key(shape), shape);
  }
  if (!picked.has(key(REPRESENTATIVE_PROBE))) picked.set(key(REPRESENTATIVE_PROBE), REPRESENTATIVE_PROBE);
  return [...picked.values()];
}

/** A layers model of one probe shape, taking an RGB image. */
function probeNet(shape: ProbeShape): tf.Sequential {
  const init = (seed: number, range: number) => tf.initializers.randomUniform({ minval: -range, maxval: range, seed });
  const input = { inputShape: [shape.side, shape.side, 3] };
  const layers: tf.layers.Layer[] = [];
  if (shape.inChannels !== 3) layers.push(tf.layers.conv2d({ ...input, filters: shape.inChannels, kernelSize: 1, useBias: false, kernelInitializer: init(2, 0.5) }));
  const first = layers.length === 0 ? input : {};
  const common = { kernelSize: [shape.kernelH, shape.kernelW] as [number, number], strides: [shape.strideH, shape.strideW] as [number, number], padding: shape.padding, useBias: false };
  layers.push(
    shape.op === 'conv'
      ? tf.layers.conv2d({ ...first, ...common, filters: shape.outChannels, kernelInitializer: init(3, 0.05) })
      : tf.layers.depthwiseConv2d({ ...first, ...common, depthMultiplier: Math.max(1, Math.round(shape.outChannels / shape.inChannels)), depthwiseInitializer: init(3, 0.05) }),
  );
  // Pooled to one value per channel: reading back the convolution's whole output each run (512 KB for the representative shape) cost more than the model's few logits and let models beat the probe.
  layers.push(tf.layers.globalAveragePooling2d({}));
  return tf.sequential({ layers });
}

/** One probe file in `variant`. */
export async function probeFile(shape: ProbeShape, variant: Variant): Promise<ProbeFile> {
  const net = probeNet(shape);
  try {
    const prepared = prepareModel(net);
    const side = shape.side;
    const calibration = variant === 'int8' ? Float32Array.from({ length: 4 * side * side * 3 }, (_, index) => ((index * 2654435761) % 1000) / 1000) : undefined;
    const file = await emitVariant(prepared, { variant, normalization: { scale: 1 / 255, offset: 0 }, ...(calibration ? { calibration } : {}) });
    return { file, side, flops: modelFlops(prepared.graph).flops, description: `${describeProbeShape(shape)}, ${variant}` };
  } finally {
    net.dispose();
  }
}

/** The probe files for a model's graph (./convert.ts `prepareModel(…).graph`) in `variant`. */
export async function peakProbeFiles(graph: IrGraph, variant: Variant): Promise<ProbeFile[]> {
  const files: ProbeFile[] = [];
  for (const shape of probeShapes(graph)) files.push(await probeFile(shape, variant));
  return files;
}

/** An RGB image of `side` px for a probe: any pixels do (the probe is timed, not checked). */
export function probePixels(side: number): Uint8Array {
  return Uint8Array.from({ length: side * side * 3 }, (_, index) => (index * 37) % 256);
}
