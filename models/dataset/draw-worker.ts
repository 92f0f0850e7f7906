/**
 * A worker thread of the dataset generator (./generate.ts `drawInWorkers`):
 * it draws the pictures it is sent and writes each file, so that the JS half
 * of a picture (its sensor noise, most of the time) runs on every core rather
 * than on the main thread alone. Each picture comes from its own random
 * stream, so the bytes are the same whichever worker draws it.
 */
import { writeFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { drawImage } from './generate.ts';
import type { DrawRequest, DrawReply } from './generate.ts';

const port = parentPort;
if (!port) throw new Error('draw-worker.ts runs only as a worker thread');
port.on('message', (request: DrawRequest) => {
  drawImage(request)
    .then(async ({ file, bytes }) => {
      await writeFile(`${request.dir}/${file}`, bytes);
      port.postMessage({ index: request.index, shape: request.shape } satisfies DrawReply);
    })
    .catch((error: unknown) => port.postMessage({ index: request.index, shape: request.shape, error: error instanceof Error ? error.message : String(error) } satisfies DrawReply));
});
