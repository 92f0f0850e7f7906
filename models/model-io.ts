/**
 * Saving and loading TF.js layers models on disk or over HTTP without
 * @tensorflow/tfjs-node (whose file:// handler is not always installed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../harness/core/errors.ts';
import { isGraphModelJson } from './model-format.ts';
import { checkModelJson, readShards } from './weights-manifest.ts';

// Callers that already load models through this module ask it here too.
export { isGraphModelJson } from './model-format.ts';

/** Writes model.json and one weights file `weights.bin` into `dir`; returns the model.json path. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const modelJsonPath = join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData ? Buffer.from(tf.io.concatenateArrayBuffers(([] as ArrayBuffer[]).concat(artifacts.weightData as ArrayBuffer | ArrayBuffer[]))) : Buffer.alloc(0);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs} (edgebench)`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, 'weights.bin'), weightData);
      await writeFile(modelJsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return modelJsonPath;
}

/**
 * Reads model.json plus its weight files from disk into in-memory artifacts.
 * The model.json is untrusted (models/weights-manifest.ts): a shard path
 * that leaves its folder, a missing shard or sizes past the bounds are one
 * UserError line, and nothing is read.
 */
export async function readModelArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const checked = await checkModelJson(modelJsonPath);
  const { json } = checked;
  const weightData = await readShards(checked);
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[],
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer,
    ...(json.format ? { format: json.format } : {}),
    // Graph models name their inputs and outputs here; loadGraphModel reads it.
    ...(json.signature ? { signature: json.signature as object } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata as NonNullable<tf.io.ModelArtifacts['userDefinedMetadata']> } : {}),
  };
}

/** A loaded TF.js model of either format: both answer predict() and dispose(). */
export type TfjsModel = tf.LayersModel | tf.GraphModel;

/** Loads a local model.json as a layers model or, when it holds a GraphDef, through tf.loadGraphModel. */
export async function loadTfjsModel(modelJsonPath: string): Promise<TfjsModel> {
  const artifacts = await readModelArtifacts(modelJsonPath);
  if (isGraphModelJson(artifacts)) return tf.loadGraphModel(tf.io.fromMemory(artifacts));
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}

/**
 * Loads a layers model from a local model.json path or an http(s) URL.
 * A URL that fails (404, no network) becomes a UserError naming it.
 */
export async function loadLayersModel(pathOrUrl: string): Promise<tf.LayersModel> {
  if (/^https?:\/\//i.test(pathOrUrl)) {
    try {
      return await tf.loadLayersModel(pathOrUrl);
    } catch (error) {
      throw new UserError(`cannot load model from ${pathOrUrl}: ${(error as Error).message}`, 'MODEL_FETCH_FAILED');
    }
  }
  return tf.loadLayersModel(tf.io.fromMemory(await readModelArtifacts(pathOrUrl)));
}
