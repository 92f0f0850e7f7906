/**
 * metadata.json beside each Mobile artifact: everything a runtime needs to
 * feed the model (input size, normalisation, class names) and what retraining
 * measured. Plain JSON, read by convert, run and report.
 */
import type { TrainingPoint } from './record.ts';

/** value = pixel (0..255) × scale + offset. */
export interface Normalization {
  scale: number;
  offset: number;
}

/** A model that did not come from retraining: the user's own file. */
export type UserModelFormat = 'layers' | 'graph' | 'tflite';

export interface UserModelSource {
  kind: 'user';
  format: UserModelFormat;
  /** The file it was imported from. */
  path: string;
  /** The fields that fell back to a default, in words. */
  assumed: string[];
}

export interface ModelMetadata {
  schema: 1;
  /** Model id (the backbone id it was retrained from, or the user model's id). */
  model: string;
  backbone: string;
  /** Present for a user's own model (models/user-model.ts), which has no dataset or training. */
  source?: UserModelSource;
  /** Square input size in pixels. */
  inputSize: number;
  normalization: Normalization;
  classNames: string[];
  dataset?: {
    root: string;
    generated: boolean;
    splits: { train: number; validation: number; test: number };
    classCounts: Record<string, number>;
  };
  training?: {
    steps: number;
    learningRate: number;
    batchSize: number;
    optimizer: string;
    distortions: boolean;
    backend: string;
    history: TrainingPoint[];
    testAccuracy: number;
    perClassAccuracy: Record<string, number>;
    /** confusionMatrix[actual][predicted], class order as classNames. */
    confusionMatrix: number[][];
    misclassified: { file: string; label: string; predicted: string }[];
    bottleneckSeconds: number;
    /** The engine that computed the bottlenecks of this retrain (`tflite-node`, `tfjs-wasm` …), `cache` when all were cached; absent in older files. */
    bottleneckEngine?: string;
    trainSeconds: number;
    /** Everything this retrain read, hashed (models/retrain-fingerprint.ts): the same value next time means the same head. */
    fingerprint?: string;
  };
  createdAt: string;
}

/** The metadata `bench retrain` writes: dataset and training always present. */
export type RetrainedMetadata = ModelMetadata & Required<Pick<ModelMetadata, 'dataset' | 'training'>>;

/** `[-1, 1] (pixel × 0.00784314 + -1)`: how a normalisation is said in the output. */
export function describeNormalization({ scale, offset }: Normalization): string {
  const top = Math.round((255 * scale + offset) * 1e6) / 1e6;
  return `[${offset}, ${top}] (pixel × ${scale.toPrecision(6)} + ${offset})`;
}
