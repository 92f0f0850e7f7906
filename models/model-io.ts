/**
 * Saving and loading TF.js layers models on disk or over HTTP without
 * @tensorflow/tfjs-node (whose file:// handler is not always installed).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../harness/core/errors.ts';
import { isGraphModelJson } from './model-format.ts';

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

/** Reads model.json plus its weight files from disk into in-memory artifacts. */
export async function readModelArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const path = resolve(modelJsonPath);
  let json: { modelTopology?: unknown; weightsManifest?: tf.io.WeightsManifestConfig; format?: string; signature?: unknown; userDefinedMetadata?: NonNullable<tf.io.ModelArtifacts['userDefinedMetadata']> };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UserError(`cannot read TF.js model ${path}: ${(error as Error).message}`, 'MODEL_UNREADABLE');
  }
  if (!json.modelTopology || !json.weightsManifest) throw new UserError(`${path} is not a TF.js model (no modelTopology/weightsManifest)`, 'MODEL_INVALID');
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) buffers.push(await readFile(join(dirname(path), shard)));
  }
  const weightData = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer,
    ...(json.format ? { format: json.format } : {}),
    // Graph models name their inputs and outputs here; loadGraphModel reads it.
    ...(json.signature ? { signature: json.signature as object } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
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
