/**
 * The converter's test zoo, built by code with seeded random weights: small
 * versions (32×32 inputs, a few channels) of the mobile networks whose layers
 * the converter lowers, and one small model per remaining layer. Batch-norm
 * statistics are randomised so that folding them is really exercised, and the
 * classifier heads have large weights so that their softmax is decisive (a
 * near-uniform softmax would make top-1 agreement a coin toss).
 */
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../../models/random.ts';

export const SIZE = 32;
type T = tf.SymbolicTensor;

export interface ZooModel {
  name: string;
  build: () => tf.LayersModel;
}

let seed = 1;
/** Weights scaled by fan-in (He): activations stay of order 1 through the network, as in a trained one. */
const he = (gain = 1) => tf.initializers.varianceScaling({ scale: 2 * gain * gain, mode: 'fanIn', distribution: 'normal', seed: seed++ });
const init = (stddev: number) => tf.initializers.randomNormal({ stddev, seed: seed++ });

/** Each model's weights depend on its name only, not on which models were built before it. */
function seeded(name: string, make: () => tf.LayersModel): ZooModel {
  return {
    name,
    build: () => {
      seed = seededRandom(`zoo-${name}`).int(1, 1_000_000);
      return make();
    },
  };
}

function apply<L extends tf.layers.Layer>(layer: L, input: T | T[]): T {
  return layer.apply(input) as T;
}

function conv(x: T, filters: number, options: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}): T {
  return apply(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: he(), biasInitializer: init(0.1), ...options }), x);
}

function bn(x: T): T {
  return apply(tf.layers.batchNormalization({}), x);
}

/** Batch-norm layers get random statistics, so that folding them is really tested. */
function randomizeBatchNorms(model: tf.LayersModel): void {
  const random = seededRandom(`batch-norms-${model.name}`);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(
      layer.getWeights().map((weight, index) => {
        const isVariance = /moving_variance(_\d+)?$/.test(layer.weights[index]!.name);
        const values = Float32Array.from({ length: weight.size }, () => (isVariance ? random.uniform(0.5, 2) : random.uniform(-0.5, 0.5)));
        return tf.tensor(values, weight.shape);
      }),
    );
  }
}

/** Global pooling and a decisive softmax head. */
function head(x: T, classes = 5): T {
  const pooled = x.shape.length === 4 ? apply(tf.layers.globalAveragePooling2d({}), x) : x.shape.length === 3 ? apply(tf.layers.flatten({}), x) : x;
  return apply(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: he(2), biasInitializer: init(0.5) }), pooled);
}

function finish(name: string, input: T, output: T): tf.LayersModel {
  const model = tf.model({ inputs: input, outputs: output, name });
  randomizeBatchNorms(model);
  return model;
}

function input(size = SIZE): T {
  return tf.input({ shape: [size, size, 3] });
}

/** x · relu6(x + 3) / 6, as a TF.js model spells hard-swish (TF.js has no such activation). */
function hardSwish(x: T): T {
  return apply(tf.layers.multiply({}), [x, hardSigmoid(x)]);
}

/** relu6(x + 3) / 6 with Rescaling and ReLU layers (Keras MobileNetV3's hard_sigmoid). */
function hardSigmoid(x: T): T {
  const shifted = apply(tf.layers.rescaling({ scale: 1, offset: 3 }), x);
  const clipped = apply(tf.layers.reLU({ maxValue: 6 }), shifted);
  return apply(tf.layers.rescaling({ scale: 1 / 6, offset: 0 }), clipped);
}

/** Squeeze-and-excite: global pool → reshape to 1×1 → reduce → expand → gate → broadcasting Multiply. */
function squeezeExcite(x: T, gate: (g: T) => T, activation: 'relu' | 'swish'): T {
  const channels = x.shape[3]!;
  let s = apply(tf.layers.globalAveragePooling2d({}), x);
  s = apply(tf.layers.reshape({ targetShape: [1, 1, channels] }), s);
  s = conv(s, Math.max(2, channels / 4), { kernelSize: 1, activation });
  s = gate(conv(s, channels, { kernelSize: 1 }));
  return apply(tf.layers.multiply({}), [x, s]);
}

function mobilenetV3Small(): tf.LayersModel {
  const image = input();
  let x = hardSwish(bn(conv(image, 8, { strides: 2, useBias: false })));
  // Block 1: depthwise + ReLU, SE with hard-sigmoid gate, project.
  let y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false, depthwiseInitializer: he() }), x);
  y = apply(tf.layers.reLU({}), bn(y));
  y = squeezeExcite(y, hardSigmoid, 'relu');
  x = bn(conv(y, 8, { kernelSize: 1, useBias: false }));
  // Block 2: expand + hard-swish, depthwise 5×5 + hard-swish, SE, project, residual.
  y = hardSwish(bn(conv(x, 16, { kernelSize: 1, useBias: false })));
  y = hardSwish(bn(apply(tf.layers.depthwiseConv2d({ kernelSize: 5, padding: 'same', useBias: false, depthwiseInitializer: he() }), y)));
  y = squeezeExcite(y, hardSigmoid, 'relu');
  y = bn(conv(y, 8, { kernelSize: 1, useBias: false }));
  x = apply(tf.layers.add({}), [x, y]);
  x = hardSwish(bn(conv(x, 24, { kernelSize: 1, useBias: false })));
  return finish('mobilenet_v3_small_like', image, head(x));
}

function efficientNetB0Blocks(): tf.LayersModel {
  const image = input();
  let x = apply(tf.layers.activation({ activation: 'swish' }), bn(conv(image, 8, { strides: 2, useBias: false })));
  const mbconv = (inputTensor: T, expand: number, out: number, stride: number) => {
    const channels = inputTensor.shape[3]!;
    let y = apply(tf.layers.activation({ activation: 'swish' }), bn(conv(inputTensor, channels * expand, { kernelSize: 1, useBias: false })));
    y = apply(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: he() }), y);
    y = apply(tf.layers.activation({ activation: 'swish' }), bn(y));
    y = squeezeExcite(y, (g) => apply(tf.layers.activation({ activation: 'sigmoid' }), g), 'swish');
    y = bn(conv(y, out, { kernelSize: 1, useBias: false }));
    if (stride === 1 && channels === out) y = apply(tf.layers.add({}), [apply(tf.layers.dropout({ rate: 0.2 }), y), inputTensor]);
    return y;
  };
  x = mbconv(x, 1, 8, 1);
  x = mbconv(x, 4, 12, 2);
  x = mbconv(x, 4, 12, 1);
  x = apply(tf.layers.activation({ activation: 'swish' }), bn(conv(x, 24, { kernelSize: 1, useBias: false })));
  return finish('efficientnet_b0_like', image, head(x));
}

function xceptionBlock(): tf.LayersModel {
  const image = input();
  const x = apply(tf.layers.activation({ activation: 'relu' }), bn(conv(image, 8, { strides: 2, useBias: false })));
  const residual = bn(conv(x, 16, { kernelSize: 1, strides: 2, useBias: false }));
  const separable = (t: T, filters: number) =>
    apply(tf.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: he(), pointwiseInitializer: he() }), t);
  let y = bn(separable(x, 16));
  y = apply(tf.layers.activation({ activation: 'relu' }), y);
  y = bn(separable(y, 16));
  y = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), y);
  let z = apply(tf.layers.add({}), [y, residual]);
  z = apply(tf.layers.activation({ activation: 'relu' }), bn(separable(z, 24)));
  return finish('xception_like', image, head(z));
}

/** A small U-Net: encoder, bottleneck, decoder with Conv2DTranspose and UpSampling2D, cropped skips, a per-pixel softmax. */
function unetDecoder(): tf.LayersModel {
  const image = input();
  const e1 = conv(image, 8, { activation: 'relu' }); // 32×32×8
  const e2 = conv(apply(tf.layers.maxPooling2d({ poolSize: 2 }), e1), 16, { activation: 'relu' }); // 16×16×16
  const b = conv(apply(tf.layers.maxPooling2d({ poolSize: 2 }), e2), 16, { activation: 'relu', padding: 'valid' }); // 6×6×16
  let u = apply(tf.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', kernelInitializer: he(), biasInitializer: init(0.1) }), b); // 13×13×8
  u = apply(tf.layers.activation({ activation: 'relu' }), bn(u));
  const skip2 = apply(tf.layers.cropping2D({ cropping: [[1, 2], [1, 2]] }), e2); // 13×13×16
  let d = conv(apply(tf.layers.concatenate({}), [skip2, u]), 8, { activation: 'relu' });
  d = apply(tf.layers.upSampling2d({ size: [2, 2] }), d); // 26×26×8
  const skip1 = apply(tf.layers.cropping2D({ cropping: 3 }), e1); // 26×26×8
  d = conv(apply(tf.layers.concatenate({}), [skip1, d]), 8, { activation: 'relu' });
  d = apply(tf.layers.conv2dTranspose({ filters: 8, kernelSize: 2, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: he() }), d); // 52×52×8
  const output = conv(d, 4, { kernelSize: 1, activation: 'softmax', kernelInitializer: he(2) });
  return finish('unet_like_decoder', image, output);
}

/**
 * InceptionV3's op mix at 32 px: conv + batch norm without scale + ReLU, a
 * valid-padded strided stem, 3×3 max and average pooling (the average one
 * stride 1 "same", whose edge windows hold fewer pixels), four branches joined
 * by Concatenate, and the factorised 1×7 / 7×1 convolutions. It stands in for
 * the real InceptionV3 in the converter's tests: converting the 22M-weight
 * backbone took most of a minute of the e2e tier and exercised no other op.
 */
function inceptionBlocks(): tf.LayersModel {
  const image = input();
  const unit = (x: T, filters: number, kernelSize: number | [number, number], options: Partial<Parameters<typeof tf.layers.conv2d>[0]> = {}) =>
    apply(tf.layers.activation({ activation: 'relu' }), apply(tf.layers.batchNormalization({ scale: false }), conv(x, filters, { kernelSize, useBias: false, ...options })));
  let x = unit(image, 8, 3, { strides: 2, padding: 'valid' }); // 15×15
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: 'valid' }), x); // 13×13
  const pooled = unit(apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), x), 4, 1);
  x = apply(tf.layers.concatenate({}), [unit(x, 6, 1), unit(unit(x, 4, 1), 6, 5), unit(unit(unit(x, 4, 1), 6, 3), 6, 3), pooled]);
  const factorised = unit(unit(unit(x, 6, 1), 6, [1, 7]), 8, [7, 1]);
  x = apply(tf.layers.concatenate({}), [unit(x, 8, 1), factorised]);
  return finish('inception_v3_like', image, head(x));
}

/** Apart from NETWORKS: checked on tflite-node (tflite-conversion), not in a LiteRT.js page. */
export const INCEPTION_LIKE = seeded('inception_v3_like', inceptionBlocks);

/** conv → layer → head, for one layer under test. */
function single(name: string, layer: (x: T) => T, channels = 8): ZooModel {
  return seeded(name, () => {
    const image = input(16);
    const x = conv(image, channels);
    return finish(name, image, head(layer(x)));
  });
}

function activation(name: string): ZooModel {
  return single(`activation_${name}`, (x) => apply(tf.layers.activation({ activation: name as 'relu' }), x));
}

/** Two branches merged by a layer. */
function merge(name: string, make: () => tf.layers.Layer): ZooModel {
  return single(name, (x) => apply(make(), [conv(x, 8, { kernelSize: 1 }), conv(x, 8, { kernelSize: 3 })]));
}

export const NETWORKS: ZooModel[] = [
  seeded('mobilenet_v3_small_like', mobilenetV3Small),
  seeded('efficientnet_b0_like', efficientNetB0Blocks),
  seeded('xception_like', xceptionBlock),
  seeded('unet_like_decoder', unetDecoder),
];

export const LAYERS: ZooModel[] = [
  ...['relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'mish', 'hardSigmoid', 'gelu', 'gelu_new', 'logSoftmax'].map(activation),
  single('conv_swish', (x) => conv(x, 8, { activation: 'swish' })),
  single('conv_dilated', (x) => conv(x, 8, { dilationRate: 2 })),
  single('relu_max_2_5', (x) => apply(tf.layers.reLU({ maxValue: 2.5 }), x)),
  single('leaky_relu', (x) => apply(tf.layers.leakyReLU({ alpha: 0.2 }), x)),
  single('prelu', (x) => apply(tf.layers.prelu({ alphaInitializer: init(0.3) }), x)),
  single('prelu_shared_axes', (x) => apply(tf.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: init(0.3) }), x)),
  single('elu_layer', (x) => apply(tf.layers.elu({}), x)),
  single('softmax_layer', (x) => apply(tf.layers.softmax({ axis: -1 }), x)),
  single('separable_conv_dilated', (x) => apply(tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', dilationRate: 2, depthMultiplier: 2, depthwiseInitializer: he(), pointwiseInitializer: he() }), x)),
  single('depthwise_multiplier_2', (x) => apply(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', depthwiseInitializer: he() }), x)),
  single('conv_transpose_same', (x) => apply(tf.layers.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: he(), biasInitializer: init(0.1) }), x)),
  single('upsampling_nearest', (x) => apply(tf.layers.upSampling2d({ size: [2, 3] }), x)),
  single('upsampling_bilinear', (x) => apply(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), x)),
  single('cropping', (x) => apply(tf.layers.cropping2D({ cropping: [[1, 0], [2, 3]] }), x)),
  single('permute', (x) => conv(apply(tf.layers.permute({ dims: [2, 1, 3] }), x), 8)),
  merge('maximum', () => tf.layers.maximum({})),
  merge('minimum', () => tf.layers.minimum({})),
  merge('average', () => tf.layers.average({})),
  single('multiply_broadcast_rank2', (x) => {
    const gate = apply(tf.layers.dense({ units: 8, activation: 'sigmoid', kernelInitializer: he() }), apply(tf.layers.globalAveragePooling2d({}), x));
    return apply(tf.layers.multiply({}), [x, gate]);
  }),
  single('add_broadcast', (x) => {
    const shift = apply(tf.layers.reshape({ targetShape: [1, 1, 8] }), apply(tf.layers.globalMaxPooling2d({}), x));
    return apply(tf.layers.add({}), [x, shift]);
  }),
  single('reshape_to_rank3_dense', (x) => {
    const rows = apply(tf.layers.reshape({ targetShape: [256, 8] }), x);
    return apply(tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: he() }), rows);
  }),
  single('reshape_minus_one', (x) => conv(apply(tf.layers.reshape({ targetShape: [-1, 32, 4] }), x), 8)),
  single('dense_on_4d', (x) => apply(tf.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: he() }), x)),
  single('concatenate_with_sigmoid', (x) => {
    const linear = conv(x, 4, { kernelSize: 1 });
    const gate = conv(x, 4, { kernelSize: 1, activation: 'sigmoid' });
    return apply(tf.layers.concatenate({}), [linear, gate]);
  }),
];

/** The model input concatenated with a branch (int8: the input's fixed parameters must not squeeze the branch). */
export const CONCATENATE_WITH_INPUT = seeded('concatenate_with_input', () => {
  const image = input(16);
  const branch = conv(image, 5, { activation: 'linear' });
  const joined = apply(tf.layers.concatenate({}), [image, branch]);
  return finish('concatenate_with_input', image, head(conv(joined, 8, { activation: 'relu' })));
});

/**
 * Every op the per-layer models and the classifier networks emit, in one
 * classifier (for runtimes where each model costs a page load: LiteRT.js in
 * Chromium): the networks add a depthwise convolution, hard-swish and the
 * squeeze-excite's reshape.
 */
export const ALL_OPS = seeded('all_ops', () => {
  const image = input(16);
  const act = (x: T, activation: string) => apply(tf.layers.activation({ activation: activation as 'relu' }), x);
  let x = apply(tf.layers.leakyReLU({ alpha: 0.2 }), conv(image, 8));
  x = hardSwish(bn(apply(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: he() }), x)));
  x = squeezeExcite(x, hardSigmoid, 'relu');
  x = apply(tf.layers.prelu({ sharedAxes: [1, 2], alphaInitializer: init(0.3) }), x);
  x = act(apply(tf.layers.elu({}), conv(x, 8)), 'gelu');
  x = act(act(conv(x, 8), 'gelu_new'), 'selu');
  x = act(act(conv(x, 8), 'softplus'), 'softsign');
  x = act(act(conv(x, 8), 'mish'), 'hardSigmoid');
  x = act(conv(x, 8), 'logSoftmax');
  x = apply(tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), conv(x, 8, { activation: 'tanh' }));
  x = apply(tf.layers.cropping2D({ cropping: [[1, 1], [2, 2]] }), x);
  x = apply(tf.layers.permute({ dims: [2, 1, 3] }), x);
  x = apply(tf.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: he() }), x);
  x = apply(tf.layers.maxPooling2d({ poolSize: 4 }), apply(tf.layers.upSampling2d({ size: [2, 2] }), x));
  const a = conv(x, 8, { kernelSize: 1, activation: 'sigmoid' });
  const b = conv(x, 8, { kernelSize: 1, activation: 'swish' });
  x = apply(tf.layers.average({}), [apply(tf.layers.maximum({}), [a, b]), apply(tf.layers.minimum({}), [a, b]), apply(tf.layers.reLU({ maxValue: 2.5 }), x)]);
  x = apply(tf.layers.concatenate({}), [x, a]);
  x = apply(tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: he() }), x);
  return finish('all_ops', image, head(x));
});

/**
 * Images with structure at several scales (a per-image colour gradient, waves
 * and a bright patch) rather than white noise, which a global pool averages away.
 */
export function zooImages(count: number, size: number, key: string): Uint8Array {
  const random = seededRandom(key);
  const pixels = new Uint8Array(count * size * size * 3);
  for (let n = 0; n < count; n++) {
    const base = [random.uniform(40, 215), random.uniform(40, 215), random.uniform(40, 215)];
    const slope = [random.uniform(-4, 4), random.uniform(-4, 4)];
    const wave = [random.uniform(0.2, 1.2), random.uniform(0, 6), random.uniform(10, 60)];
    const patch = [random.int(0, size - 6), random.int(0, size - 6), random.int(3, 8)];
    const patchColour = [random.uniform(0, 255), random.uniform(0, 255), random.uniform(0, 255)];
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) {
          const inPatch = y >= patch[0]! && y < patch[0]! + patch[2]! && x >= patch[1]! && x < patch[1]! + patch[2]!;
          const value = inPatch ? patchColour[c]! : base[c]! + slope[0]! * (x - size / 2) + slope[1]! * (y - size / 2) + wave[2]! * Math.sin(wave[0]! * (x + y * (c + 1)) + wave[1]!) + random.uniform(-12, 12);
          pixels[((n * size + y) * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
        }
  }
  return pixels;
}
