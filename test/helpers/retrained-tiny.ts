/**
 * A retrained model for the retrain-workload tests that start a browser or a
 * phone stand-in: a 32 px two-conv backbone (a `backbones` entry, as a user's
 * own would be) retrained by models/retrain.ts on a class-per-folder image
 * root of red, green and blue pictures (`dataset.images`, as a user's own
 * would be), built once per tier in the build cache and copied into a fresh
 * out folder per test. The colours are what a random 32 px backbone can tell
 * apart: its head reaches 100% where a page whose training went wrong lands
 * near chance (a third), so "within the host's tolerance" checks something.
 * (On the generated shapes it stayed at chance, 15%, on host and page alike.)
 *
 * Why not the retrained mobilenet_v2 (retrained-mobilenet.ts): what those
 * tests check (the page loads the retrained layers model, cuts it at its head,
 * extracts bottlenecks, trains a head, evaluates it and lands within the
 * host's tolerance) is the same code whatever the backbone, and MobileNetV2
 * at 224 px took about a second an image on SwiftShader WebGL: most of
 * retrain-workload-browser's 40–50 s. MobileNetV2 itself is retrained on the
 * host by retrain-workload-node, and runs in Chromium in browser-mobilenet.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { deepMerge, parseConfig, type BenchConfig, type ResolvedConfig } from '../../harness/core/config.ts';
import { metadataPath } from '../../harness/core/layout.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import type { RetrainedMetadata } from '../../harness/core/metadata.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { cached, copyCached } from './build-cache.ts';
import { tempDir } from './tmp.ts';

export const TINY_BACKBONE = 'tinynet';
const SIZE = 32;
/** Where the backbone's layers model sits in the cached folder and in each copy. */
const BACKBONE_DIR = 'backbone';

/** What the cached model is built from (the build cache's key: the backbone is made here, so its shape is part of it); a run over a copy must scan the same dataset. */
const BUILD = {
  backbone: { filters: [8, 16], size: SIZE, seeds: [1, 2] },
  images: { perClass: 24, colours: { red: [200, 60, 50], green: [50, 190, 70], blue: [60, 50, 210] } },
  dataset: { testPercent: 25 },
  retrain: { steps: 100 },
} as const;
/** The image root's folder in the cached folder and in each copy. */
const IMAGES_DIR = 'images';

function dataset(out: string): BenchConfig['dataset'] {
  return { images: join(out, IMAGES_DIR), ...BUILD.dataset };
}

/** `perClass` 40 px pictures of each colour, each a little lighter or darker than the last. */
async function writeImages(root: string): Promise<void> {
  for (const [name, [r, g, b]] of Object.entries(BUILD.images.colours)) {
    await mkdir(join(root, name), { recursive: true });
    for (let index = 0; index < BUILD.images.perClass; index += 1) {
      const shift = (index % 8) * 6 - 24;
      const background = { r: r + shift, g: g + shift, b: b + shift };
      await sharp({ create: { width: 40, height: 40, channels: 3, background } }).png().toFile(join(root, name, `${name}_${index}.png`));
    }
  }
}

function backbones(out: string): BenchConfig['backbones'] {
  return { [TINY_BACKBONE]: { url: join(out, BACKBONE_DIR, 'model.json'), featureLayer: 'features', inputSize: SIZE } };
}

/** A 32 px two-conv backbone with fixed seeds: real retraining and inference in milliseconds on every backend. */
async function saveBackbone(dir: string): Promise<void> {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const { filters, seeds } = BUILD.backbone;
  const first = tf.layers.conv2d({ name: 'c1', filters: filters[0], kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seeds[0] }) }).apply(input) as tf.SymbolicTensor;
  const features = tf.layers.conv2d({ name: 'features', filters: filters[1], kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seeds[1] }) }).apply(first) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: features });
  await saveLayersModel(model, dir);
  model.dispose();
}

async function editMetadata(out: string, edit: (metadata: RetrainedMetadata) => void): Promise<void> {
  const path = metadataPath(out, TINY_BACKBONE);
  const metadata = JSON.parse(await readFile(path, 'utf8')) as RetrainedMetadata;
  edit(metadata);
  await writeFile(path, JSON.stringify(metadata, null, 2));
}

/** The cached folder (read only): retrained the first time it is asked for (a few seconds). */
function retrainedTiny(): Promise<string> {
  return cached('retrained-tinynet', BUILD, async (dir) => {
    const { retrainModels } = await import('../../models/retrain.ts');
    await saveBackbone(join(dir, BACKBONE_DIR));
    await writeImages(join(dir, IMAGES_DIR));
    const config = parseConfig({ out: dir, models: [TINY_BACKBONE], backbones: backbones(dir), dataset: dataset(dir), retrain: BUILD.retrain });
    const outcome = await retrainModels({ config, log: memoryLogger('quiet'), out: dir });
    if (outcome.failures.length > 0) throw outcome.failures[0]!.error;
    // The dataset's root is recorded as an absolute path (the host retrain reads images from it):
    // kept relative here (the folder is built under a temporary name), made absolute again in each copy.
    await editMetadata(dir, (metadata) => {
      if (metadata.dataset?.root) metadata.dataset.root = relative(dir, metadata.dataset.root);
    });
  });
}

/** A fresh out folder holding the retrained tiny backbone (Mobile artifact, metadata, evaluation pack, image root, backbone). */
export async function tinyRetrainFixture(prefix = 'retrain-tiny'): Promise<{ out: string }> {
  const out = await tempDir(prefix);
  await copyCached(await retrainedTiny(), out);
  await editMetadata(out, (metadata) => {
    if (metadata.dataset?.root && !isAbsolute(metadata.dataset.root)) metadata.dataset.root = join(out, metadata.dataset.root);
  });
  return { out };
}

/** The retrain workload of the tiny model in `out`, one round: 10 training images, 30 steps, 15 evaluation images unless `over` says otherwise. */
export function tinyRetrainConfig(out: string, over: BenchConfig = {}): ResolvedConfig {
  const base: BenchConfig = {
    out,
    models: [TINY_BACKBONE],
    backbones: backbones(out),
    dataset: dataset(out),
    retrainWorkload: { images: 10, steps: 30, evalImages: 15 },
    run: { workloads: ['retrain'], rounds: 1 },
  };
  return parseConfig(deepMerge(base, over));
}
