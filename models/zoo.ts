/**
 * The model zoo: backbones by id, each knowing its input size, input
 * normalisation and the layer whose output is the feature map.
 *
 * - Embedded (no network): MobileNetV2 and InceptionV3 from the files the
 *   `nsfwjs` npm package ships (UMD `.min.js` files holding the model topology
 *   and base64 weight shards). Only the ImageNet-derived backbone is used: the
 *   model is cut at `out_relu` / `mixed10`; nsfwjs's own head is dropped.
 * - Catalog: the public MobileNet v1 layers models, loaded by URL when the user
 *   has a network (the codelab's `mobilenet_0.50_224`).
 * - Config `backbones`: any TF.js layers model by URL or path with a named layer.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ResolvedConfig } from '../harness/core/config.ts';
import { UserError } from '../harness/core/errors.ts';
import type { Normalization } from '../harness/core/metadata.ts';

// TF.js (and ./model-io.ts, which needs it) is imported where a backbone is loaded, not here: the
// plan, the dry run and every `bench` command resolve backbone ids through this module, and TF.js's
// import costs ~0.7–1.3 s of CPU in each process that never runs a model (docs/testing.md).

export type BackboneSource =
  | { kind: 'embedded'; package: 'nsfwjs'; name: 'mobilenet_v2' | 'inception_v3' }
  | { kind: 'url'; url: string };

export interface BackboneSpec {
  id: string;
  description: string;
  inputSize: number;
  normalization: Normalization;
  /** Layer whose output is pooled into the bottleneck vector. */
  featureLayer: string;
  source: BackboneSource;
}

/** nsfwjs feeds its models pixel / 255: the backbones were fine-tuned on [0, 1] inputs. */
const UNIT_RANGE: Normalization = { scale: 1 / 255, offset: 0 };
/** Keras MobileNet v1 preprocessing: [-1, 1]. */
const SIGNED_RANGE: Normalization = { scale: 1 / 127.5, offset: -1 };

const EMBEDDED: BackboneSpec[] = [
  {
    id: 'mobilenet_v2',
    description: 'MobileNetV2 1.0 at 224 px (embedded from nsfwjs), 1280 features',
    inputSize: 224,
    normalization: UNIT_RANGE,
    featureLayer: 'out_relu',
    source: { kind: 'embedded', package: 'nsfwjs', name: 'mobilenet_v2' },
  },
  {
    id: 'inception_v3',
    description: 'InceptionV3 at 299 px (embedded from nsfwjs), 2048 features',
    inputSize: 299,
    normalization: UNIT_RANGE,
    featureLayer: 'mixed10',
    source: { kind: 'embedded', package: 'nsfwjs', name: 'inception_v3' },
  },
];

/** The public TF.js MobileNet v1 layers models (need a network). */
const MOBILENET_V1: BackboneSpec[] = ['0.25', '0.50', '0.75', '1.0'].map((alpha) => ({
  id: `mobilenet_v1_${alpha}_224`,
  description: `MobileNet v1 alpha ${alpha} at 224 px (downloaded from the TF.js model hosting)`,
  inputSize: 224,
  normalization: SIGNED_RANGE,
  featureLayer: 'conv_pw_13_relu',
  source: { kind: 'url', url: `https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_${alpha}_224/model.json` },
}));

export const CATALOG: readonly BackboneSpec[] = [...EMBEDDED, ...MOBILENET_V1];

/** Finds a backbone by id in the config's own backbones, then the catalog. */
export function resolveBackbone(id: string, config?: Pick<ResolvedConfig, 'backbones'>): BackboneSpec {
  const custom = config?.backbones[id];
  if (custom) {
    return {
      id,
      description: `${custom.url} cut at ${custom.featureLayer}`,
      inputSize: custom.inputSize,
      normalization: custom.normalization,
      featureLayer: custom.featureLayer,
      source: { kind: 'url', url: custom.url },
    };
  }
  const spec = CATALOG.find((entry) => entry.id === id);
  if (!spec) {
    const known = [...CATALOG.map((entry) => entry.id), ...Object.keys(config?.backbones ?? {})].join(', ');
    throw new UserError(`unknown model "${id}"; known: ${known} (or add one under "backbones" in bench.config.ts)`, 'MODEL_UNKNOWN');
  }
  return spec;
}

export interface Backbone {
  spec: BackboneSpec;
  /** Input image → pooled feature vector (the bottleneck). */
  features: tf.LayersModel;
  /** Length of the feature vector. */
  featureSize: number;
}

/** Loads a backbone and cuts it at its feature layer, adding global average pooling when the layer is a 4-D map. */
export async function loadBackbone(spec: BackboneSpec): Promise<Backbone> {
  const tf = await import('@tensorflow/tfjs');
  const source = spec.source.kind === 'embedded' ? await loadEmbedded(spec.source.name) : await (await import('./model-io.ts')).loadLayersModel(spec.source.url);
  const where = spec.source.kind === 'embedded' ? `nsfwjs ${spec.source.name}` : spec.source.url;
  let layer: tf.layers.Layer;
  try {
    layer = source.getLayer(spec.featureLayer);
  } catch {
    const names = source.layers.slice(-6).map((entry) => entry.name).join(', ');
    throw new UserError(`model ${where} has no layer named "${spec.featureLayer}" (its last layers: ${names})`, 'FEATURE_LAYER_MISSING');
  }
  const featureMap = layer.output as tf.SymbolicTensor;
  const pooled =
    featureMap.shape.length === 4
      ? (tf.layers.globalAveragePooling2d({ name: 'edgebench_pool' }).apply(featureMap) as tf.SymbolicTensor)
      : featureMap;
  const features = tf.model({ inputs: source.inputs, outputs: pooled, name: `${spec.id}_features` });
  const featureSize = pooled.shape[pooled.shape.length - 1];
  if (typeof featureSize !== 'number') throw new UserError(`layer "${spec.featureLayer}" of ${where} has no fixed feature size`, 'FEATURE_LAYER_INVALID');
  const inputShape = source.inputs[0]?.shape;
  if (inputShape && inputShape[1] !== null && inputShape[1] !== spec.inputSize) {
    throw new UserError(`model ${where} takes ${inputShape[1]} px inputs, but its backbone entry says ${spec.inputSize}`, 'MODEL_INPUT_MISMATCH');
  }
  return { spec, features, featureSize };
}

interface UmdModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: tf.io.WeightsManifestConfig;
}

const require = createRequire(import.meta.url);

/** Reads nsfwjs's UMD-wrapped model files from disk (no network). */
async function loadEmbedded(name: 'mobilenet_v2' | 'inception_v3'): Promise<tf.LayersModel> {
  // nsfwjs's "exports" hides package.json; its CommonJS entry is dist/cjs/index.js.
  const root = join(dirname(require.resolve('nsfwjs')), '..', 'models', name);
  const modelJson = require(join(root, 'model.min.js')) as UmdModelJson;
  const shards = modelJson.weightsManifest.flatMap((group) => group.paths).map((path) => Buffer.from(require(join(root, `${path}.min.js`)) as string, 'base64'));
  const weights = Buffer.concat(shards);
  const tf = await import('@tensorflow/tfjs');
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  );
}
