/**
 * A graph model's GraphDef read as untrusted input: cycles (a node reading
 * itself too) are one line naming the nodes in the cycle, the walk is
 * iterative (a 20,000-node chain lowers, where the recursive walk ran out of
 * stack), the node count is bounded (a 100,000-node chain is refused naming
 * the bound), and a Const's declared size is checked against its values and a
 * budget before anything is allocated (one declaring 2e8 elements took 2.5 GB).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../harness/core/errors.ts';
import { checkGraphStructure, MAX_GRAPH_NODES, MAX_INLINE_CONST_ELEMENTS, readGraphDef } from '../../models/tflite/graph-def.ts';
import { lowerGraphDef } from '../../models/tflite/lower-graph.ts';

type NodeJson = { name: string; op: string; input?: string[]; attr?: Record<string, unknown> };
const input: NodeJson = { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [-1, 4, 4, 3].map((size) => ({ size: String(size) })) } } } };
const artifacts = (nodes: NodeJson[]): tf.io.ModelArtifacts => ({ format: 'graph-model', modelTopology: { node: nodes }, weightSpecs: [], weightData: new ArrayBuffer(0) });

function refused(run: () => unknown, message: string | RegExp, code: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

test('a cycle is named with its nodes, in reading order', () => {
  const nodes: NodeJson[] = [input, { name: 'a', op: 'AddV2', input: ['input', 'c'] }, { name: 'b', op: 'Relu', input: ['a'] }, { name: 'c', op: 'Relu', input: ['b:0'] }, { name: 'out', op: 'Softmax', input: ['b'] }];
  const message = 'g: the graph has a cycle of 3 nodes: "a" → "c" → "b" → "a" (each reads the next); a feed-forward graph has none';
  refused(() => readGraphDef(artifacts(nodes), 'g'), message, 'MODEL_GRAPH_CYCLE');
  refused(() => checkGraphStructure({ node: nodes }, 'g'), message, 'MODEL_GRAPH_CYCLE');
});

test('a node reading itself is a cycle of one', () => {
  refused(() => readGraphDef(artifacts([input, { name: 'x', op: 'AddV2', input: ['input', 'x'] }]), 'g'), 'g: node "x" reads itself; a feed-forward graph has none', 'MODEL_GRAPH_CYCLE');
});

test("a TF1 while loop's back edge (NextIteration → Merge) is not a cycle", () => {
  const loop: NodeJson[] = [
    input,
    { name: 'enter', op: 'Enter', input: ['input'] },
    { name: 'merge', op: 'Merge', input: ['enter', 'next'] },
    { name: 'body', op: 'Relu', input: ['merge'] },
    { name: 'next', op: 'NextIteration', input: ['body'] },
    { name: 'exit', op: 'Exit', input: ['merge'] },
  ];
  checkGraphStructure({ node: loop }, 'g');
});

function chain(length: number): NodeJson[] {
  return [input, ...Array.from({ length }, (_, index) => ({ name: `relu${index}`, op: 'Relu', input: [index === 0 ? 'input' : `relu${index - 1}`] }))];
}

test('a 20,000-node chain is read and lowered without recursion', () => {
  const def = readGraphDef(artifacts(chain(20_000)), 'g');
  assert.deepEqual(def.outputs, ['relu19999']);
  const { graph } = lowerGraphDef(def, 'g');
  assert.equal(graph.ops.length, 20_000);
});

test('a 100,000-node chain is refused, naming the bound', () => {
  refused(() => readGraphDef(artifacts(chain(100_000)), 'g'), `g: the graph has 100001 nodes, over the ${MAX_GRAPH_NODES} this harness reads`, 'MODEL_TOO_LARGE');
  refused(() => checkGraphStructure({ node: chain(100_000) }, 'g'), /over the 100000 this harness reads/, 'MODEL_TOO_LARGE');
});

const constant = (tensor: Record<string, unknown>): NodeJson => ({ name: 'k', op: 'Const', attr: { value: { tensor } } });
const shape = (...dims: number[]) => ({ dim: dims.map((size) => ({ size: String(size) })) });

test('a Const declaring 2e8 elements is refused before it is allocated', () => {
  const before = process.memoryUsage().rss;
  refused(() => readGraphDef(artifacts([input, constant({ dtype: 'DT_FLOAT', tensorShape: shape(20_000, 10_000), floatVal: [1] })]), 'g'), `g: Const node "k" declares 200000000 elements, past the ${MAX_INLINE_CONST_ELEMENTS} inline constant elements the converter reads`, 'MODEL_TOO_LARGE');
  assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'nothing of that size was allocated');
});

test("a Const's values must match its declared shape", () => {
  refused(() => readGraphDef(artifacts([input, constant({ dtype: 'DT_FLOAT', tensorShape: shape(4), tensorContent: Buffer.alloc(8).toString('base64') })]), 'g'), 'g: Const node "k" declares 4 elements (16 bytes), but its tensorContent holds 8 bytes', 'MODEL_INVALID');
  refused(() => readGraphDef(artifacts([input, constant({ dtype: 'DT_FLOAT', tensorShape: shape(4), floatVal: [1, 2] })]), 'g'), 'g: Const node "k" declares 4 elements, but lists 2 values', 'MODEL_INVALID');
  refused(() => readGraphDef(artifacts([input, constant({ dtype: 'DT_FLOAT', tensorShape: shape(-3), floatVal: [1] })]), 'g'), 'g: Const node "k" has shape [-3], not a list of sizes', 'MODEL_INVALID');
  const filled = readGraphDef(artifacts([input, constant({ dtype: 'DT_FLOAT', tensorShape: shape(2, 3), floatVal: [0.5] })]), 'g').constants.get('k')!;
  assert.deepEqual([...filled.values], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 'one value fills the tensor');
  const content = readGraphDef(artifacts([input, constant({ dtype: 'DT_INT32', tensorShape: shape(2), tensorContent: Buffer.from(Int32Array.of(7, -1).buffer).toString('base64') })]), 'g').constants.get('k')!;
  assert.deepEqual([...content.values], [7, -1]);
});

test('nodes that are not nodes, and two nodes of one name, are refused', () => {
  refused(() => readGraphDef(artifacts([input, { name: 'x' } as NodeJson]), 'g'), 'g: modelTopology.node[1] is not a node (a name and an op)', 'MODEL_INVALID');
  refused(() => readGraphDef(artifacts([input, { name: 'x', op: 'Relu', input: 'input' } as unknown as NodeJson]), 'g'), /node "x" has an input list that is not up to 10000 names/, 'MODEL_INVALID');
  refused(() => readGraphDef(artifacts([input, { name: 'input', op: 'Relu', input: [] }]), 'g'), 'g: two nodes are named "input"', 'MODEL_INVALID');
});
