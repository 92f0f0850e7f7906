/**
 * Loading a model to convert. A layers model: TF.js's own "Unknown layer: X.
 * This may be due to…" (a Keras layer or activation TF.js does not implement,
 * such as Subtract or TFOpLambda) becomes one line naming the layer, instead
 * of a multi-line stack from inside tfjs-layers. A graph model: its GraphDef
 * is lowered once here, before TF.js loads it, so that an op the converter
 * cannot lower is our one line naming the node (TF.js would otherwise fail
 * first on ops it does not know, with its own message), then TF.js loads it
 * for the self-check's reference outputs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { isGraphModelJson, loadLayersModel, readModelArtifacts } from '../model-io.ts';
import { readGraphDef, type GraphDef } from './graph-def.ts';
import { lowerGraphDef } from './lower-graph.ts';

/** A graph model to convert: its GraphDef (what is lowered) and TF.js's model of it (what the self-check compares with). */
export class GraphModelToConvert {
  readonly format = 'graph';
  constructor(
    readonly model: tf.GraphModel,
    readonly graphDef: GraphDef,
    /** Names the model in messages. */
    readonly name: string,
  ) {}
  get inputs(): { name: string; shape: number[] }[] {
    return this.model.inputs.map((input) => ({ name: input.name, shape: input.shape ?? [] }));
  }
  predict(input: tf.Tensor): tf.Tensor {
    return this.model.predict(input) as tf.Tensor;
  }
  dispose(): void {
    this.model.dispose();
  }
}

export type ModelToConvert = tf.LayersModel | GraphModelToConvert;

interface LayerJson {
  name?: string;
  class_name?: string;
  config?: { name?: string; layers?: LayerJson[]; activation?: unknown };
}

/** Names of the layers in a model.json whose class (or activation) is `name`, nested models included. */
async function layersNaming(path: string, kind: string, name: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { modelTopology?: { model_config?: LayerJson } & LayerJson };
    const found: string[] = [];
    const visit = (layer: LayerJson | undefined) => {
      if (!layer) return;
      const matches = kind === 'layer' ? layer.class_name === name : layer.config?.activation === name;
      if (matches && (layer.name ?? layer.config?.name)) found.push(layer.name ?? layer.config!.name!);
      for (const inner of layer.config?.layers ?? []) visit(inner);
    };
    visit(json.modelTopology?.model_config ?? json.modelTopology);
    return found;
  } catch {
    return [];
  }
}

export async function loadModelToConvert(pathOrUrl: string): Promise<ModelToConvert> {
  // A GraphDef handed to the layers loader would die with its whole topology in the message.
  if (!/^https?:\/\//i.test(pathOrUrl)) {
    const artifacts = await readModelArtifacts(pathOrUrl);
    if (isGraphModelJson(artifacts)) {
      const graphDef = readGraphDef(artifacts, pathOrUrl);
      lowerGraphDef(graphDef, pathOrUrl);
      return new GraphModelToConvert(await tf.loadGraphModel(tf.io.fromMemory(artifacts)), graphDef, pathOrUrl);
    }
  }
  try {
    return await loadLayersModel(pathOrUrl);
  } catch (error) {
    const match = /^Unknown (layer|activation|initializer|regularizer|constraint): ([^\s.]+)/.exec((error as Error).message ?? '');
    if (!match) throw error;
    const [, kind, name] = match as unknown as [string, string, string];
    const layers = await layersNaming(pathOrUrl, kind, name);
    const where = layers.length ? ` (layer${layers.length > 1 ? 's' : ''} ${layers.map((layer) => `"${layer}"`).join(', ')})` : '';
    const hint = name === 'Subtract' ? ' (a − b is Add of a and Rescaling(scale -1) of b)' : '';
    throw new UserError(
      `${pathOrUrl}: the model uses the ${kind} "${name}"${where}, which TF.js ${tf.version.tfjs} does not implement, so neither the Mobile path nor the converter can run it; rebuild the model with layers TF.js has${hint}`,
      'MODEL_UNKNOWN_LAYER',
    );
  }
}
