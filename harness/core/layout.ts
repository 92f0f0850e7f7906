/**
 * Where everything lives under the output folder (default `.bench/`). One
 * module owns the layout so that retrain, convert, run and report agree.
 *
 * <out>/
 *   datasets/generated-<seed>-<n>/<class>/<file>.jpg   the generated default dataset (every tenth a .png)
 *   cache/bottlenecks/<backbone>/<sha256>.f32          one bottleneck vector per image
 *   cache/backbone-tflite/<backbone>/<key>-<hash>.tflite   the backbone as the fast feature engine runs it (models/backbone-tflite.ts)
 *   cache/gzip-sizes.json                              gzip size of each artifact file, by its sha256
 *   models/<model>/
 *     mobile/model.json, *.bin                         the Mobile-path artifact (TF.js layers model)
 *     labels.txt                                       one class name per line
 *     metadata.json                                    ModelMetadata (harness/core/metadata.ts)
 *     eval/pack.json, eval/images.u8                   the evaluation pack (harness/core/eval-pack.ts)
 *     eval/reference.json                              the agreement reference (fastest exact TF.js engine)
 *     lite/<variant>.tflite                            the Lite-path artifacts
 *   runs/<run-id>/run.json, run.json.mac, report.html   the record, its HMAC (core/record-mac.ts), its report
 *   calibration.json                                   each key's A/A noise on this machine (bench calibrate)
 *   ab/<stamp>.json                                    `bench ab`'s verdicts against a baseline out folder
 */
import { join } from 'node:path';
import { assertSafeSegment } from './path-segment.ts';
import type { ArtifactVariant } from './record.ts';

// Every id that becomes a folder name is checked here, where paths are made:
// no caller can build a path outside the out folder from a record or a flag.

export function generatedDatasetDir(out: string, seed: number, imagesPerClass: number): string {
  return join(out, 'datasets', `generated-${seed}-${imagesPerClass}`);
}

export function bottleneckDir(out: string, backbone: string): string {
  return join(out, 'cache', 'bottlenecks', assertSafeSegment(backbone, 'backbone id'));
}

/** The fast feature engine's converted backbone (models/backbone-tflite.ts). */
export function backboneTfliteDir(out: string, backbone: string): string {
  return join(out, 'cache', 'backbone-tflite', assertSafeSegment(backbone, 'backbone id'));
}

/** Where a git-ref baseline's artifacts are built (harness/baseline-build.ts): edgebench's own folders, unlike a user's baseline folder. */
export function builtBaselinesDir(out: string): string {
  return join(out, 'cache', 'baselines');
}

export function gzipSizesPath(out: string): string {
  return join(out, 'cache', 'gzip-sizes.json');
}

export function modelDir(out: string, model: string): string {
  return join(out, 'models', assertSafeSegment(model, 'model id'));
}

export function mobileModelPath(out: string, model: string): string {
  return join(modelDir(out, model), 'mobile', 'model.json');
}

export function labelsPath(out: string, model: string): string {
  return join(modelDir(out, model), 'labels.txt');
}

export function metadataPath(out: string, model: string): string {
  return join(modelDir(out, model), 'metadata.json');
}

export function evalPackDir(out: string, model: string): string {
  return join(modelDir(out, model), 'eval');
}

/** The training pack of the retrain workload (same format as the evaluation pack), beside it; host.json holds the host's retrain of it. */
export function trainPackDir(out: string, model: string): string {
  return join(modelDir(out, model), 'train-pack');
}

export function liteModelPath(out: string, model: string, variant: ArtifactVariant): string {
  return join(modelDir(out, model), 'lite', `${variant}.tflite`);
}

export function runsDir(out: string): string {
  return join(out, 'runs');
}

export function runDir(out: string, runId: string): string {
  return join(runsDir(out), assertSafeSegment(runId, 'run id'));
}

export function calibrationPath(out: string): string {
  return join(out, 'calibration.json');
}

/** Where `bench ab` keeps its verdicts: ab/<stamp>.json (a sibling of runs/, the run record's schema untouched). */
export function abResultPath(out: string, stamp: string): string {
  return join(out, 'ab', `${stamp}.json`);
}
