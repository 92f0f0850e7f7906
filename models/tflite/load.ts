/**
 * Loading a layers model to convert: TF.js's own "Unknown layer: X. This may be
 * due to…" (a Keras layer or activation TF.js does not implement, such as
 * Subtract or TFOpLambda) becomes one line naming the layer, instead of a
 * multi-line stack from inside tfjs-layers.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { loadLayersModel } from '../model-io.ts';

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

export async function loadModelToConvert(pathOrUrl: string): Promise<tf.LayersModel> {
  // A GraphDef handed to the layers loader dies with its whole topology in the message: say what it is instead.
  if (!/^https?:\/\//i.test(pathOrUrl)) {
    const { isGraphModelJson, readModelArtifacts } = await import('../model-io.ts');
    if (isGraphModelJson(await readModelArtifacts(pathOrUrl))) {
      throw new UserError(`${pathOrUrl} is a TF.js graph model; the converter lowers layers models only (graph models can be benchmarked: bench run --model ${pathOrUrl})`, 'CONVERT_GRAPH_MODEL');
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
