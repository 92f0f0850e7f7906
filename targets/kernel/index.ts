/**
 * The measurement kernel's public entry, shared by every target (Node in a
 * worker process, the browser page, the phone's browser). No Node APIs here.
 */
export { measure, PhaseError, batchPixels } from './measure.ts';
export { argmaxRow, top1Accuracy, agreementWith } from './evaluate.ts';
export type { InferenceSession, KernelInput, KernelOptions, KernelResult, ReferenceOutputs } from './types.ts';
export { retrain } from './head-training.ts';
export type { RetrainInput, RetrainSettings, TrainingTf } from './head-training.ts';
export { abbaFirst, measurePair, SideError } from './paired.ts';
export type { PairInput, PairResult, PairSide, Side } from './paired.ts';
