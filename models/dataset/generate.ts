/**
 * The default dataset, used when no `--images` folder is given: pictures of
 * shapes drawn as SVG and rasterised with sharp, plus sensor-like noise and
 * JPEG artefacts, generated deterministically from a seed into the out folder
 * and reused on later runs.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import type { Logger } from '../../harness/core/log.ts';
import { generatedDatasetDir } from '../../harness/core/layout.ts';
import { seededRandom, type Random } from '../random.ts';
import { DEFAULT_DIFFICULTY, IMAGE_SIZE, SHAPE_CLASSES, sceneSvg, type Difficulty, type ShapeClass } from './scene.ts';

/** Bumped whenever the pictures change, so that a cached folder from an older generator is redrawn. */
export const GENERATOR_VERSION = 2;

/** Written last: a folder without it (an interrupted generation) is redrawn. */
export const COMPLETE_MARKER = '.complete.json';

/** Every tenth file is a PNG (the rest JPEG), so that both decoders are exercised. */
const isPng = (index: number) => index % 10 === 9;

/** Images in flight per worker: sharp rasterises one while the worker adds noise to another. */
const PER_WORKER = 2;

/**
 * Fewer pictures than this are drawn on the main thread: each drawing thread
 * costs ~0.9 s of CPU to start (tsx registered, sharp loaded), about 33
 * pictures' drawing, so below ~64 pictures two threads do not even finish
 * sooner on two cores, and they always cost more CPU.
 */
export const MAIN_THREAD_BELOW = 64;

/** One picture for a worker of ./draw-worker.ts to draw into `dir`. */
export interface DrawRequest {
  seed: number;
  shape: ShapeClass;
  index: number;
  difficulty: Difficulty;
  dir: string;
}

/** A worker's answer: the picture is written, or why not. */
export interface DrawReply {
  shape: ShapeClass;
  index: number;
  error?: string;
}

export interface GenerateOptions {
  /** The out folder (the dataset goes under `<out>/datasets/`). */
  out: string;
  seed: number;
  imagesPerClass: number;
  log: Logger;
  /** Override of the tuned difficulty, for calibration; changes the pictures but not the cache key. */
  difficulty?: Difficulty;
  /** Override of the class list, for calibration; changes the pictures but not the cache key. */
  classes?: readonly ShapeClass[];
}

interface Marker {
  generator: number;
  seed: number;
  imagesPerClass: number;
  classes: string[];
  images: number;
}

/**
 * Draws `imagesPerClass` pictures of each shape class under
 * `generatedDatasetDir(out, seed, imagesPerClass)` and returns that folder.
 * A complete folder from an earlier call with the same parameters is reused.
 */
export async function generateDefaultDataset(options: GenerateOptions): Promise<string> {
  const { out, seed, imagesPerClass, log } = options;
  const root = generatedDatasetDir(out, seed, imagesPerClass);
  const classes = options.classes ?? SHAPE_CLASSES;
  const expected: Marker = { generator: GENERATOR_VERSION, seed, imagesPerClass, classes: [...classes], images: classes.length * imagesPerClass };
  if (options.difficulty === undefined && options.classes === undefined && (await readMarker(root)) === JSON.stringify(expected)) {
    log.debug(`reusing the generated dataset in ${root}`);
    return root;
  }

  await rm(root, { recursive: true, force: true });
  await Promise.all(classes.map((shape) => mkdir(join(root, shape), { recursive: true })));
  const jobs = classes.flatMap((shape) => Array.from({ length: imagesPerClass }, (_, index) => ({ shape, index })));
  const progress = log.progress('drawing the default dataset', jobs.length);
  const difficulty = options.difficulty ?? DEFAULT_DIFFICULTY;
  const requests = jobs.map((job) => ({ seed, ...job, difficulty, dir: join(root, job.shape) }));
  await (requests.length < MAIN_THREAD_BELOW ? drawHere : drawInWorkers)(requests, () => progress.tick());
  await writeFile(join(root, COMPLETE_MARKER), JSON.stringify(expected));
  progress.done(`${jobs.length} images in ${classes.length} classes`);
  log.info(`generated the default dataset (seed ${seed}, ${jobs.length} images) in ${root}`);
  return root;
}

/**
 * Draws every request on one worker thread per core (ceil(n / PER_WORKER) at
 * most). Drawing on the main thread alone took 23 s for the default 840
 * pictures on a 2-core AMD EPYC: 18 ms of each picture's ~27 ms is its
 * Gaussian noise in JS, which only more threads make faster without changing
 * a byte.
 */
async function drawInWorkers(requests: DrawRequest[], tick: () => void): Promise<void> {
  const count = Math.max(1, Math.min(availableParallelism(), Math.ceil(requests.length / PER_WORKER)));
  // No inherited execArgv: the entry registers tsx itself, and a parent's `--import tsx` would be resolved from the
  // current folder, which need not be edgebench's (a user's project, a test's temp folder).
  const workers = Array.from({ length: count }, () => new Worker(new URL('./draw-worker-entry.js', import.meta.url), { execArgv: [] }));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            let inFlight = 0;
            const send = () => {
              while (inFlight < PER_WORKER && next < requests.length) {
                worker.postMessage(requests[next++]);
                inFlight += 1;
              }
              if (inFlight === 0) resolve();
            };
            worker.on('message', (reply: DrawReply) => {
              if (reply.error !== undefined) {
                reject(new Error(`drawing ${reply.shape} #${reply.index} failed: ${reply.error}`));
                return;
              }
              inFlight -= 1;
              tick();
              send();
            });
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`a dataset drawing worker exited (code ${code}) before its pictures were drawn`)));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Draws every request on this thread, as a drawing thread does (./draw-worker.ts): the same bytes. */
async function drawHere(requests: DrawRequest[], tick: () => void): Promise<void> {
  for (const request of requests) {
    const { file, bytes } = await drawImage(request);
    await writeFile(join(request.dir, file), bytes);
    tick();
  }
}

async function readMarker(root: string): Promise<string | undefined> {
  try {
    return JSON.stringify(JSON.parse(await readFile(join(root, COMPLETE_MARKER), 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * One picture, from its own random stream keyed by (seed, class, index), so
 * the bytes do not depend on the order or parallelism of drawing.
 * The file name depends only on class and index: the split of the generated
 * dataset is the same for every seed.
 */
export async function drawImage(options: { seed: number; shape: ShapeClass; index: number; difficulty?: Difficulty }): Promise<{ file: string; bytes: Buffer }> {
  const { seed, shape, index } = options;
  const random = seededRandom(`edgebench-dataset/${GENERATOR_VERSION}/${seed}/${shape}/${index}`);
  const difficulty = options.difficulty ?? DEFAULT_DIFFICULTY;
  const svg = sceneSvg(shape, random, difficulty);
  const blur = random.chance(0.3) ? random.uniform(0.4, 1.4) : 0;
  let pipeline = sharp(Buffer.from(svg)).removeAlpha();
  if (blur > 0) pipeline = pipeline.blur(blur);
  const pixels = await pipeline.raw().toBuffer();
  addNoise(pixels, random, random.uniform(difficulty.noise[0], difficulty.noise[1]));
  const png = isPng(index);
  const image = sharp(pixels, { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 } });
  const bytes = png ? await image.png({ compressionLevel: 6 }).toBuffer() : await image.jpeg({ quality: random.int(55, 95) }).toBuffer();
  const file = `${shape}_${String(index).padStart(4, '0')}.${png ? 'png' : 'jpg'}`;
  return { file, bytes };
}

/** Gaussian sensor noise of standard deviation `sigma` (in 0..255 units), in place. */
function addNoise(pixels: Buffer, random: Random, sigma: number): void {
  for (let i = 0; i < pixels.length; i++) {
    const value = pixels[i]! + sigma * random.gaussian();
    pixels[i] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
  }
}
