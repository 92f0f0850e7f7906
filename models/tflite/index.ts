/**
 * The Lite path's converter: TF.js layers and graph models to .tflite in four variants,
 * written in TypeScript (no TensorFlow, no Python), and a reader for any
 * .tflite file. The only public entry of models/tflite/.
 *
 * - `convertLayersModel(model, options)`: one model, one variant → bytes.
 * - `convertModel(options)`: one model to every asked variant in memory, each self-checked on a TFLite runtime.
 * - `convertArtifacts(options)`: every retrained model in the out folder (bench convert / bench all).
 * - `inspectTflite(bytes)`: inputs, outputs, operators, weights, metadata, signatures.
 * - `withBatchSize(bytes, n)`: the same file taking batches of n.
 */
export {
  convertLayersModel,
  convertModel,
  prepareModel,
  emitVariant,
  VARIANTS,
  CONVERTER_VERSION,
  METADATA_NAME,
  LABELS_NAME,
  INPUT_NAME,
  OUTPUT_NAME,
  SIGNATURE_KEY,
  type Variant,
  type ConvertOptions,
  type PreparedModel,
  type TfliteMetadata,
  type ConvertModelOptions,
  type ConvertedVariant,
} from './convert.ts';
export { loadModelToConvert, GraphModelToConvert, type ModelToConvert } from './load.ts';
export { SELF_CHECK_IMAGES, SELF_CHECK_FLOAT32_TOLERANCE, SelfCheckError, randomPixels, agreement, type SelfCheck, type CheckRuntime, type CheckSession } from './self-check.ts';
export { convertArtifacts, calibrationInputs, sourceDigest, type ConvertArtifactsOptions, type ConvertedArtifact } from './convert-artifacts.ts';
export { inspectTflite, withBatchSize, readMetadataJson, TfliteFormatError, type TfliteSummary, type TensorSummary, type MetadataSummary, type SignatureSummary } from './reader.ts';
export { UnsupportedLayerError, SUPPORTED_LAYERS } from './lower.ts';
export { UnsupportedNodeError, SUPPORTED_GRAPH_OPS } from './lower-graph.ts';
export { toHalfBits, activationParams } from './quantize.ts';
