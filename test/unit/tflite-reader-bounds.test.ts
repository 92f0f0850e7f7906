/**
 * The .tflite reader against truncated and hostile files: every offset,
 * length, count and index is checked against the file, so a cut or forged
 * file is a TfliteFormatError (and `bench inspect` one error line with exit
 * code 1), never a summary of what happens to remain, a read past the end, or
 * an allocation sized by a forged count.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../harness/cli.ts';
import type { IrGraph } from '../../models/tflite/graph.ts';
import { inspectTflite, TfliteFormatError, withBatchSize } from '../../models/tflite/reader.ts';
import { writeTflite } from '../../models/tflite/writer.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A small valid file: ADD of a constant, with metadata and a signature. */
function smallFile(): Uint8Array {
  const graph: IrGraph = {
    tensors: [
      { name: 'image', shape: [1, 4], dtype: 'float32', batched: true },
      { name: 'offset', shape: [4], dtype: 'float32', data: Float32Array.of(1, 2, 3, 4) },
      { name: 'probabilities', shape: [1, 4], dtype: 'float32', batched: true },
    ],
    ops: [{ op: 'ADD', inputs: [0, 1], outputs: [2], options: { kind: 'add', activation: 'NONE' }, version: 1 }],
    inputs: [0],
    outputs: [2],
  };
  return writeTflite(graph, {
    description: 'reader test',
    metadata: [{ name: 'labels.txt', data: new TextEncoder().encode('a\nb\nc\nd\n') }],
    signature: { key: 'serving_default', inputs: [{ name: 'image', tensor: 0 }], outputs: [{ name: 'probabilities', tensor: 2 }] },
  });
}

// A few flatbuffer steps written out here (not with the reader under test) to find what to forge.
const u32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
const i32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getInt32(at, true);
const u16 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint16(at, true);
const setU32 = (bytes: Uint8Array, at: number, value: number) => new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, true);
/** Absolute position of a table's field. */
function field(bytes: Uint8Array, table: number, slot: number): number {
  const vtable = table - i32(bytes, table);
  const offset = u16(bytes, vtable + 4 + 2 * slot);
  assert.ok(offset > 0, `slot ${slot} is set`);
  return table + offset;
}
/** Position of a vector field's length word. */
function vector(bytes: Uint8Array, table: number, slot: number): number {
  const at = field(bytes, table, slot);
  return at + u32(bytes, at);
}
/** Position of the i-th table of a vector of tables. */
function element(bytes: Uint8Array, vectorAt: number, index: number): number {
  const at = vectorAt + 4 + 4 * index;
  return at + u32(bytes, at);
}
const root = (bytes: Uint8Array) => u32(bytes, 0);
// Slots (schema.ts): Model 1 operator_codes, 2 subgraphs, 4 buffers; SubGraph 0 tensors, 1 inputs, 3 operators; Tensor 2 buffer; Operator 0 opcode_index.

function assertFormatError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => inspectTflite(bytes),
    (error: unknown) => {
      assert.ok(error instanceof TfliteFormatError, `a TfliteFormatError, got ${String(error)}`);
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('the valid file reads back', () => {
  const summary = inspectTflite(smallFile());
  assert.deepEqual(summary.operators, { ADD: 1 });
  assert.equal(summary.inputs[0]!.name, 'image');
});

test('every truncation of a valid file is a TfliteFormatError, never a summary', () => {
  const bytes = smallFile();
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => inspectTflite(bytes.slice(0, length)), TfliteFormatError, `cut at ${length} of ${bytes.length} bytes`);
    assert.throws(() => withBatchSize(bytes.slice(0, length), 4), TfliteFormatError, `withBatchSize, cut at ${length}`);
  }
});

test('a header claiming 2^31 subgraphs, tensors, buffers or operator codes fails on the count, before allocating for it', async (t) => {
  const forge = (locate: (bytes: Uint8Array) => number) => {
    const bytes = smallFile();
    setU32(bytes, locate(bytes), 2 ** 31);
    return bytes;
  };
  await t.test('subgraphs', () => assertFormatError(forge((b) => vector(b, root(b), 2)), /subgraph list \(2147483648 × 4 bytes\) at byte \d+ \(8589934592 bytes\) lies outside the file/));
  await t.test('tensors', () => assertFormatError(forge((b) => vector(b, element(b, vector(b, root(b), 2), 0), 0)), /tensor list \(2147483648 × 4 bytes\)/));
  await t.test('buffers', () => assertFormatError(forge((b) => vector(b, root(b), 4)), /buffer list \(2147483648 × 4 bytes\)/));
  await t.test('operator codes', () => assertFormatError(forge((b) => vector(b, root(b), 1)), /operator code list/));
  await t.test('the root offset', () => assertFormatError(forge(() => 0), /model table at byte 2147483648/));
});

test('an index that points outside its list is a TfliteFormatError naming it', async (t) => {
  const subgraph = (b: Uint8Array) => element(b, vector(b, root(b), 2), 0);
  await t.test('a subgraph input', () => {
    const bytes = smallFile();
    setU32(bytes, vector(bytes, subgraph(bytes), 1) + 4, 99);
    assertFormatError(bytes, /a subgraph input is 99, but there are 3/);
  });
  await t.test("an operator's operator code", () => {
    const bytes = smallFile();
    // No operator codes left for operator 0's code (0) to name.
    setU32(bytes, vector(bytes, root(bytes), 1), 0);
    assertFormatError(bytes, /operator code of operator 0 is 0, but there are 0/);
  });
  await t.test("a tensor's buffer", () => {
    const bytes = smallFile();
    setU32(bytes, field(bytes, element(bytes, vector(bytes, subgraph(bytes), 0), 1), 2), 1000);
    assertFormatError(bytes, /buffer of tensor 1 is 1000/);
  });
});

test('bench inspect on a truncated file: one error line, exit code 1, no summary on stdout', async () => {
  const dir = await tempDir('inspect-truncated');
  const path = join(dir, 'cut.tflite');
  const bytes = smallFile();
  await writeFile(path, bytes.slice(0, Math.floor(bytes.length * 0.6)));
  let stdout = '';
  let stderr = '';
  const code = await main(['inspect', path, '--json'], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  assert.equal(code, 1);
  assert.match(stderr, /^error: .*cut\.tflite: truncated or malformed \.tflite: .* lies outside the file \(\d+ bytes\)\n$/);
  // With --json, stdout carries the error document, never a summary.
  const parsed = JSON.parse(stdout) as { error: { code: string; message: string } };
  assert.equal(parsed.error.code, 'TFLITE_INVALID');
  assert.equal(`error: ${parsed.error.message}\n`, stderr);
});
