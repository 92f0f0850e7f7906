/**
 * Activations: the Keras activation names a TF.js config can carry (as TF.js
 * writes them: `hardSigmoid`, `gelu_new`, …) and the activation layers (ReLU,
 * LeakyReLU, PReLU, ELU, Softmax). Each entry computes what TF.js 4.22
 * computes, in TFLite 2.9's ops; where TFLite has no single op the function
 * is composed, and the composed ops share a `unit` so that the int8
 * quantizer keeps them in one domain (all int8, or all float when one of them
 * has no int8 kernel).
 */
import type { OpOptions } from './graph.ts';
import { activationTensor, constant, emit, scalar, shapeOf, unsupported, weightsOf, type LayerContext, type Lowering } from './lower-context.ts';
import type { ActivationName, OpName } from './schema.ts';

/** Activation names that fuse into the conv/dense/add/mul/pool op before them. */
export const FUSABLE: Record<string, ActivationName> = { linear: 'NONE', relu: 'RELU', relu6: 'RELU6' };

/** TF.js's SELU constants (tfjs-core selu_util). */
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_SCALEALPHA = 1.7580993408473768599402175208123;

type Emitter = (context: LayerContext, input: number, step: Step) => number;

/** Adds the ops of one composed function; the last op writes the layer's output tensor name. */
class Step {
  private count = 0;
  constructor(
    private readonly context: LayerContext,
    private readonly unit: string | undefined,
    private readonly total: number,
  ) {}
  op(op: OpName, inputs: number[], options: OpOptions = { kind: 'none' }): number {
    this.count++;
    const last = this.count === this.total;
    const output = emit(this.context, op, inputs, options, last ? '' : `/${op.toLowerCase()}_${this.count}`, shapeOf(this.context, inputs[0]!));
    if (this.unit) this.context.graph.ops.at(-1)!.unit = this.unit;
    return output;
  }
  scalar(name: string, value: number): number {
    return scalar(this.context, name, value);
  }
}

const none: OpOptions = { kind: 'none' };
const mul: OpOptions = { kind: 'mul', activation: 'NONE' };
const add: OpOptions = { kind: 'add', activation: 'NONE' };

/** softplus(x) = relu(x) + log(1 + exp(−|x|)): TF.js's value without its overflow (exp of a large x). */
function softplus(step: Step, x: number): number {
  const magnitude = step.op('ABS', [x]);
  const negated = step.op('NEG', [magnitude]);
  const exponential = step.op('EXP', [negated]);
  const onePlus = step.op('ADD', [exponential, step.scalar('one', 1)], add);
  const logarithm = step.op('LOG', [onePlus]);
  const positive = step.op('RELU', [x]);
  return step.op('ADD', [positive, logarithm], add);
}

/** Each activation with the number of ops it emits (the last one gets the layer's name). */
const ACTIVATIONS: Record<string, { ops: number; emit: Emitter }> = {
  relu: { ops: 1, emit: (_, x, step) => step.op('RELU', [x]) },
  relu6: { ops: 1, emit: (_, x, step) => step.op('RELU6', [x]) },
  sigmoid: { ops: 1, emit: (_, x, step) => step.op('LOGISTIC', [x]) },
  tanh: { ops: 1, emit: (_, x, step) => step.op('TANH', [x]) },
  softmax: { ops: 1, emit: (_, x, step) => step.op('SOFTMAX', [x], { kind: 'softmax', beta: 1 }) },
  logSoftmax: { ops: 1, emit: (_, x, step) => step.op('LOG_SOFTMAX', [x]) },
  elu: { ops: 1, emit: (_, x, step) => step.op('ELU', [x]) },
  // gelu: 0.5·x·(1 + erf(x/√2)); GELU's default (approximate = false) is exactly that.
  gelu: { ops: 1, emit: (_, x, step) => step.op('GELU', [x]) },
  // gelu_new: the tanh approximation, GELU with approximate = true.
  gelu_new: { ops: 1, emit: (_, x, step) => step.op('GELU', [x], { kind: 'gelu', approximate: true }) },
  // selu(x) = scale·x (x > 0), scaleAlpha·(eˣ − 1) (x ≤ 0) = leaky(scale·elu(x), scaleAlpha/scale).
  selu: {
    ops: 3,
    emit: (_, x, step) => {
      const elu = step.op('ELU', [x]);
      const scaled = step.op('MUL', [elu, step.scalar('selu_scale', SELU_SCALE)], mul);
      return step.op('LEAKY_RELU', [scaled], { kind: 'leakyRelu', alpha: SELU_SCALEALPHA / SELU_SCALE });
    },
  },
  softplus: { ops: 7, emit: (_, x, step) => softplus(step, x) },
  // softsign(x) = x / (1 + |x|).
  softsign: {
    ops: 3,
    emit: (_, x, step) => {
      const magnitude = step.op('ABS', [x]);
      const onePlus = step.op('ADD', [magnitude, step.scalar('one', 1)], add);
      return step.op('DIV', [x, onePlus], { kind: 'div', activation: 'NONE' });
    },
  },
  // swish(x) = x·sigmoid(x) (TF.js: alpha 1).
  swish: { ops: 2, emit: (_, x, step) => step.op('MUL', [step.op('LOGISTIC', [x]), x], mul) },
  // mish(x) = x·tanh(softplus(x)).
  mish: { ops: 9, emit: (_, x, step) => step.op('MUL', [x, step.op('TANH', [softplus(step, x)])], mul) },
  // TF.js hardSigmoid(x) = clip(0.2·x + 0.5, 0, 1) = 0.5·clip(0.4·x, −1, 1) + 0.5: the clip is MUL's fused RELU_N1_TO_1.
  hardSigmoid: {
    ops: 3,
    emit: (_, x, step) => {
      const clipped = step.op('MUL', [x, step.scalar('hard_sigmoid_slope', 0.4)], { kind: 'mul', activation: 'RELU_N1_TO_1' });
      const half = step.op('MUL', [clipped, step.scalar('half', 0.5)], mul);
      return step.op('ADD', [half, step.scalar('half_offset', 0.5)], add);
    },
  },
};

/** Every activation name the converter lowers. */
export const SUPPORTED_ACTIVATIONS = ['linear', ...Object.keys(ACTIVATIONS)];

export function activationName(context: LayerContext): string {
  const value = context.config.activation ?? 'linear';
  if (typeof value !== 'string') throw unsupported(context, `activation ${JSON.stringify(value)}`);
  return value;
}

let units = 0;

/** Emits a Keras activation on `input`; returns the output tensor (the layer's output). */
export function emitActivation(context: LayerContext, name: string, input: number): number {
  if (name === 'linear') return input;
  const activation = ACTIVATIONS[name];
  if (!activation) throw unsupported(context, `activation "${name}" has no TFLite lowering here (supported: ${SUPPORTED_ACTIVATIONS.join(', ')})`);
  const unit = activation.ops > 1 ? `${context.layer.name}/${name}#${++units}` : undefined;
  return activation.emit(context, input, new Step(context, unit, activation.ops));
}

/** A conv-like op with its activation fused where TFLite fuses it, else followed by the activation's ops. */
export function withActivation(context: LayerContext, emitLinear: (activation: ActivationName, output: number) => void): number {
  const name = activationName(context);
  const fused = FUSABLE[name];
  if (fused) {
    const output = activationTensor(context);
    emitLinear(fused, output);
    return output;
  }
  const linear = activationTensor(context, '/linear');
  emitLinear('NONE', linear);
  return emitActivation(context, name, linear);
}

export const lowerActivation: Lowering = (context) => emitActivation(context, activationName(context), context.inputs[0]!);

/** TF.js ReLU: relu(x), clipped to maxValue when one is set. */
export const lowerReLU: Lowering = (context) => {
  const max = context.config.maxValue;
  if (max === null || max === undefined) return emitActivation(context, 'relu', context.inputs[0]!);
  if (typeof max !== 'number' || !(max >= 0)) throw unsupported(context, `ReLU max value ${String(max)}`);
  if (max === 6) return emitActivation(context, 'relu6', context.inputs[0]!);
  const relu = emit(context, 'RELU', [context.inputs[0]!], none, '/relu');
  return emit(context, 'MINIMUM', [relu, scalar(context, 'max_value', max)]);
};

export const lowerLeakyReLU: Lowering = (context) => {
  const alpha = Number(context.config.alpha ?? 0.3);
  return emit(context, 'LEAKY_RELU', [context.inputs[0]!], { kind: 'leakyRelu', alpha });
};

/** PReLU: one learned slope per element of the input (less the batch), 1 along shared axes; PRELU broadcasts it. */
export const lowerPReLU: Lowering = (context) => {
  const alpha = weightsOf(context.layer).get('alpha');
  if (!alpha) throw unsupported(context, 'no alpha weight');
  const alphaId = constant(context.graph, `${context.layer.name}/alpha`, alpha.shape, alpha.values);
  return emit(context, 'PRELU', [context.inputs[0]!, alphaId]);
};

/** TF.js's ELU layer only allows alpha 1 (it throws on any other), which is what ELU computes. */
export const lowerELU: Lowering = (context) => {
  const alpha = Number(context.config.alpha ?? 1);
  if (alpha !== 1) throw unsupported(context, `ELU alpha ${alpha}; TF.js computes only alpha 1`);
  return emit(context, 'ELU', [context.inputs[0]!]);
};

export const lowerSoftmax: Lowering = (context) => {
  const axis = context.config.axis;
  const last = context.shape.length - 1;
  if (axis !== undefined && axis !== -1 && axis !== last && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === last))) {
    // TF.js's Softmax layer defaults to axis 1, and tfjs-core's softmax throws on any axis but the last.
    throw unsupported(context, `softmax over axis ${JSON.stringify(axis)} of a rank-${last + 1} tensor; TF.js itself computes softmax only over the last axis (pass axis: -1)`);
  }
  return emitActivation(context, 'softmax', context.inputs[0]!);
};
