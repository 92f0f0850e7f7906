/**
 * Opens one .tflite file on tflite-node with the XNNPACK plugin, so that the
 * plugin prints its coverage line (EDGEBENCH_XNNPACK_COVERAGE=1, set by
 * ./tflite-coverage.ts) to this process's stderr, then exits.
 */
import { readFileSync } from 'node:fs';
import { openTfliteSession } from './tflite.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: tflite-coverage-child <model.tflite>');
const bytes = readFileSync(file);
const session = await openTfliteSession({ bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), normalization: { scale: 1, offset: 0 }, threads: 1, batchSize: 1 });
if (!session.xnnpack) process.stderr.write('edgebench: the XNNPACK plugin is not available here (no C compiler?)\n');
await session.dispose();
