/**
 * The bad-input tier: the CLI, run in process through `main(argv, output)`,
 * over a table of bad inputs (flags, values, config files, images, models and
 * their metadata, run records, out folders). Each case must end with a
 * non-zero exit, exactly one `error:` line (other lines only warnings), no
 * stack trace, and nothing written outside its `<out>`: the whole fixture
 * tree is snapshotted around every case.
 *
 * Cases in areas other branches fix this session are marked `fixedBy`
 * (`sec-model`: model paths, zip, graphs, metadata; `sec-out`: out folder,
 * lock, records; `sec-phone`: phones). They may fail until that branch is
 * merged; the table keeps them so the merged tree is held to all of them.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { main } from '../../harness/cli.ts';
import { saveLayersModel } from '../../models/model-io.ts';
import { prepareModel } from '../../models/tflite/convert.ts';
import { assignVersions } from '../../models/tflite/versions.ts';
import { writeTflite } from '../../models/tflite/writer.ts';
import { tfliteWithSupportMetadata } from '../fixtures/tflite-support-metadata.ts';
import { deflatedZip as zipOfDeflated } from '../fixtures/deflate-bomb.ts';

/** A case's folder: `inputs/` holds what it feeds the CLI, `out/` is the only place it may write. */
interface Box {
  dir: string;
  out: string;
  /** Writes `inputs/<name>` (folders made) and returns its path. */
  file(name: string, content: string | Uint8Array): string;
  /** The path of `inputs/<name>`, not written. */
  path(name: string): string;
  /** Copies a shared fixture folder to `inputs/<name>` and returns that folder. */
  copy(fixture: keyof Fixtures, name: string): string;
}

interface Case {
  name: string;
  /** The command and its arguments; `--out <box>/out --quiet` go right after the command. */
  argv: (box: Box) => string[];
  setup?: (box: Box) => void;
  /** The branch that fixes this case, when it is not this one's. */
  fixedBy?: 'sec-model' | 'sec-out' | 'sec-phone';
  /** Leave out the `--out` this tier adds (the case sets its own). */
  ownOut?: boolean;
}

interface Fixtures {
  /** A layers model.json + weights.bin, input 8×8×3, 3 classes. */
  layers: string;
  /** The same with an input of any size ([null, null, 3]): the size comes from metadata.json. */
  anySize: string;
  /** A graph model.json + weights.bin: input → Conv2D → Relu → Mean → Softmax. */
  graph: string;
}

const root = join(tmpdir(), `edgebench-bad-input-${process.pid}`);
const fixtures: Fixtures = { layers: join(root, 'fixtures', 'layers'), anySize: join(root, 'fixtures', 'any-size'), graph: join(root, 'fixtures', 'graph') };
let tflite: Uint8Array;
let tfliteNoLabels: Uint8Array;

const float = { T: { type: 'DT_FLOAT' } };
const shape = (...dims: number[]) => ({ dim: dims.map((size) => ({ size: String(size) })) });

/** A graph model's nodes and weights; `edit` changes the node list (a cycle, a chain …). */
function graphModel(edit: (nodes: Record<string, unknown>[]) => Record<string, unknown>[] = (nodes) => nodes, weights = [{ name: 'filter', shape: [3, 3, 3, 4], dtype: 'float32' }]): string {
  const nodes = [
    { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: shape(-1, 8, 8, 3) } } },
    { name: 'filter', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: shape(3, 3, 3, 4) } } } },
    { name: 'axes', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: shape(2), intVal: [1, 2] } } } },
    { name: 'conv', op: 'Conv2D', input: ['input', 'filter'], attr: { ...float, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: Buffer.from('SAME').toString('base64') }, data_format: { s: Buffer.from('NHWC').toString('base64') } } },
    { name: 'relu', op: 'Relu', input: ['conv'], attr: float },
    { name: 'mean', op: 'Mean', input: ['relu', 'axes'], attr: { ...float, keep_dims: { b: false }, Tidx: { type: 'DT_INT32' } } },
    { name: 'softmax', op: 'Softmax', input: ['mean'], attr: float },
    { name: 'Identity', op: 'Identity', input: ['softmax'], attr: float },
  ];
  return JSON.stringify({ format: 'graph-model', generatedBy: 'edgebench test', convertedBy: null, modelTopology: { node: edit(nodes), versions: { producer: 1 } }, weightsManifest: [{ paths: ['weights.bin'], weights }] });
}

/** A zip whose one deflated entry declares `declared` bytes but inflates to `data` (a deflate bomb when data is large). */
function deflatedZip(name: string, data: Uint8Array, declared: number): Uint8Array {
  return zipOfDeflated(name, deflateRawSync(data, { level: 9 }), declared);
}

/** The parts of a layers model.json the cases edit. */
interface LayersJson {
  modelTopology: { config: { layers: { class_name: string }[] } };
  weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[];
}

/** A layers model.json edited: `edit` gets the parsed JSON. */
function editedLayers(box: Box, name: string, edit: (json: LayersJson) => void): string {
  const folder = box.copy('layers', name);
  const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as LayersJson;
  edit(json);
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
  return join(folder, 'model.json');
}

/** A minimal valid run record's fields, for records that are wrong in one place. */
function record(runId: string, over: Record<string, unknown> = {}): string {
  return JSON.stringify({ schema: 1, runId, status: 'complete', startedAt: '2026-01-01T00:00:00.000Z', measurements: [], failures: [], ...over });
}

/** Convert one float32 file: the default variants include int8, which stops first for want of calibration images. */
const FLOAT32 = ['--variants', 'float32'];
const RUN_NODE = ['--targets', 'node', '--backends', 'tfjs-cpu', '--eval-limit', '2', '--min-samples', '2', '--min-time', '0', '--warmup', '1', '--rounds', '1'];
const COMMANDS = ['all', 'retrain', 'convert', 'inspect', 'run', 'report', 'history', 'compare', 'calibrate', 'devices'];

const cases: Case[] = [
  // --- Flags that do not exist, arguments that do not belong: usage errors (exit 2).
  ...COMMANDS.map((command): Case => ({ name: `${command} --bogus`, argv: () => [command, '--bogus'] })),
  { name: 'run --thread (did you mean --threads)', argv: () => ['run', '--thread', '2'] },
  { name: 'all --round', argv: () => ['all', '--round', '3'] },
  { name: 'compare --baselin', argv: () => ['compare', '--baselin', 'latest'] },
  { name: 'report --formt', argv: () => ['report', '--formt', 'md'] },
  { name: 'convert --variant', argv: () => ['convert', '--variant', 'float32'] },
  { name: 'retrain --step', argv: () => ['retrain', '--step', '3'] },
  { name: 'history --limt', argv: () => ['history', '--limt', '2'] },
  { name: 'devices --target', argv: () => ['devices', '--target', 'node'] },
  { name: 'calibrate --run', argv: () => ['calibrate', '--run', '4'] },
  { name: 'inspect --jsn', argv: (box) => ['inspect', box.file('m.tflite', tflite), '--jsn'] },
  { name: 'run -t (a short flag no command has)', argv: () => ['run', '-t', '2'] },
  { name: 'run --minTime (camel case)', argv: () => ['run', '--minTime', '5'] },
  { name: 'run with a stray argument', argv: () => ['run', 'mobilenet_v2'] },
  { name: 'history with a stray argument', argv: () => ['history', 'extra'] },
  { name: 'devices with a stray argument', argv: () => ['devices', 'node'] },
  { name: 'report with two runs', argv: () => ['report', 'a', 'b'] },
  { name: 'inspect with two files', argv: (box) => ['inspect', box.file('a.tflite', tflite), box.file('b.tflite', tflite)] },
  { name: 'run --threads without a value', argv: () => ['run', '--threads'] },
  { name: 'compare --baseline without a value', argv: () => ['compare', '--baseline'] },
  { name: 'compare without --baseline', argv: () => ['compare'] },
  { name: 'inspect without a file', argv: () => ['inspect'] },
  { name: 'run --quiet=maybe', argv: () => ['run', '--quiet=maybe'] },
  { name: 'an unknown command', argv: () => ['frobnicate'] },
  { name: 'a misspelt command', argv: () => ['rnu'] },
  { name: 'a command named after an Object method', argv: () => ['constructor'] },
  { name: 'a command named __proto__', argv: () => ['__proto__'] },
  ...['run', 'all', 'retrain', 'convert', 'history', 'report', 'compare', 'devices', 'calibrate'].map((command): Case => ({ name: `${command} --out "" (an unset variable)`, argv: () => [command, '--out', ''], ownOut: true })),
  { name: 'run --config ""', argv: () => ['run', '--config', ''] },
  { name: 'retrain --images ""', argv: () => ['retrain', '--images', ''] },
  { name: 'run --model ""', argv: () => ['run', '--model', ''] },
  { name: 'run --out= (inline empty)', argv: () => ['run', '--out='], ownOut: true },

  // --- Values out of range: one line naming the flag.
  ...['0', '-1', '2.5', 'abc', '1e999', '1000000'].map((value): Case => ({ name: `run --threads ${value}`, argv: () => ['run', '--threads', value] })),
  { name: 'run --min-time above --max-time', argv: () => ['run', '--min-time', '30000', '--max-time', '1000'] },
  { name: 'run --min-time above the default --max-time', argv: () => ['run', '--min-time', '30000'] },
  { name: 'run --min-time -5', argv: () => ['run', '--min-time', '-5'] },
  { name: 'run --max-time 0', argv: () => ['run', '--max-time', '0'] },
  { name: 'run --max-time two days', argv: () => ['run', '--max-time', '172800000'] },
  { name: 'run --rounds 0', argv: () => ['run', '--rounds', '0'] },
  { name: 'run --rounds 100000', argv: () => ['run', '--rounds', '100000'] },
  { name: 'run --warmup -1', argv: () => ['run', '--warmup', '-1'] },
  { name: 'run --min-samples 0', argv: () => ['run', '--min-samples', '0'] },
  { name: 'run --batch-sizes 1,0', argv: () => ['run', '--batch-sizes', '1,0'] },
  { name: 'run --batch-sizes 1,x', argv: () => ['run', '--batch-sizes', '1,x'] },
  { name: 'run --batch-sizes 4096', argv: () => ['run', '--batch-sizes', '4096'] },
  { name: 'run --eval-limit 0', argv: () => ['run', '--eval-limit', '0'] },
  { name: 'run --eval-budget -1', argv: () => ['run', '--eval-budget', '-1'] },
  { name: 'run --eval-min-images -3', argv: () => ['run', '--eval-min-images', '-3'] },
  { name: 'run --cooldown -1', argv: () => ['run', '--cooldown', '-1'] },
  { name: 'run --cpus -1', argv: () => ['run', '--cpus', '-1'] },
  { name: 'run --cpus 0,x', argv: () => ['run', '--cpus', '0,x'] },
  { name: 'run --seed 1.5', argv: () => ['run', '--seed', '1.5'] },
  { name: 'run --order random', argv: () => ['run', '--order', 'random'] },
  { name: 'run --targets toaster', argv: () => ['run', '--targets', 'toaster'] },
  { name: 'run --workload train', argv: () => ['run', '--workload', 'train'] },
  { name: 'run --android-driver webdriver', argv: () => ['run', '--android-driver', 'webdriver'] },
  { name: 'all --threads 0', argv: () => ['all', '--threads', '0'] },
  { name: 'all --steps 0', argv: () => ['all', '--steps', '0'] },
  { name: 'calibrate --threads 999', argv: () => ['calibrate', '--threads', '999'] },
  { name: 'retrain --steps 0', argv: () => ['retrain', '--steps', '0'] },
  { name: 'retrain --learning-rate 0', argv: () => ['retrain', '--learning-rate', '0'] },
  { name: 'retrain --learning-rate 100', argv: () => ['retrain', '--learning-rate', '100'] },
  { name: 'retrain --batch-size 0', argv: () => ['retrain', '--batch-size', '0'] },
  { name: 'retrain --validation-percent 150', argv: () => ['retrain', '--validation-percent', '150'] },
  { name: 'retrain: validation and test leave nothing to train on', argv: () => ['retrain', '--validation-percent', '60', '--test-percent', '50'] },
  { name: 'retrain --random-crop 200', argv: () => ['retrain', '--random-crop', '200'] },
  { name: 'retrain --optimizer lbfgs', argv: () => ['retrain', '--optimizer', 'lbfgs'] },
  { name: 'retrain --eval-every 0', argv: () => ['retrain', '--eval-every', '0'] },
  { name: 'convert --calibration-images 0', argv: () => ['convert', '--calibration-images', '0'] },
  { name: 'convert --io int4', argv: () => ['convert', '--io', 'int4'] },
  { name: 'convert --variants float64', argv: () => ['convert', '--variants', 'float64'] },
  ...['1,1', 'Infinity,1', 'abc', '0', '1,2,3', 'constructor', ','].map((value): Case => ({ name: `convert --normalization ${value}`, argv: (box) => ['convert', ...FLOAT32, '--model', join(box.copy('layers', 'm'), 'model.json'), '--normalization', value] })),
  { name: 'run --normalization 0,0', argv: (box) => ['run', '--model', join(box.copy('layers', 'm'), 'model.json'), '--normalization', '0,0'] },
  ...['-5', '0', '2.5', '1e999', '1e9'].map((value): Case => ({ name: `run --input-size ${value}`, argv: (box) => ['run', '--model', join(box.copy('anySize', 'm'), 'model.json'), '--input-size', value] })),
  { name: 'compare --alpha 0', argv: () => ['compare', '--baseline', 'latest', '--alpha', '0'] },
  { name: 'compare --alpha 2', argv: () => ['compare', '--baseline', 'latest', '--alpha', '2'] },
  { name: 'compare --threshold -1', argv: () => ['compare', '--baseline', 'latest', '--threshold', '-1'] },
  { name: 'compare --history -1', argv: () => ['compare', '--baseline', 'latest', '--history', '-1'] },
  { name: 'compare --accuracy-drop 500', argv: () => ['compare', '--baseline', 'latest', '--accuracy-drop', '500'] },
  { name: 'compare --correction bonferroni', argv: () => ['compare', '--baseline', 'latest', '--correction', 'bonferroni'] },
  { name: 'compare --format xml', argv: () => ['compare', '--baseline', 'latest', '--format', 'xml'] },
  { name: 'report --history -3', argv: () => ['report', '--history', '-3'] },
  { name: 'report --history 5000', argv: () => ['report', '--history', '5000'] },
  { name: 'report --format pdf', argv: () => ['report', '--format', 'pdf'] },
  { name: 'history --limit 0', argv: () => ['history', '--limit', '0'] },
  { name: 'history --limit x', argv: () => ['history', '--limit', 'x'] },
  { name: 'calibrate --runs 1', argv: () => ['calibrate', '--runs', '1'] },
  { name: 'calibrate --runs 1000', argv: () => ['calibrate', '--runs', '1000'] },
  { name: 'devices --targets toaster', argv: () => ['devices', '--targets', 'toaster'] },

  // --- Config files.
  ...([
    ['not JSON', 'bench.config.json', '{"run": '],
    ['a JSON array', 'bench.config.json', '[1, 2]'],
    ['a misspelt key', 'bench.config.json', '{"run": {"thread": 2}}'],
    ['a wrong type', 'bench.config.json', '{"run": {"threads": "two"}}'],
    ['threads out of range', 'bench.config.json', '{"run": {"threads": 1000000}}'],
    ['minTimeMs above maxTimeMs', 'bench.config.json', '{"run": {"minTimeMs": 5000, "maxTimeMs": 10}}'],
    ['a model normalisation with scale 0', 'bench.config.json', '{"models": [{"path": "m.tflite", "normalization": {"scale": 0, "offset": 0}}]}'],
    ['a model id that climbs out', 'bench.config.json', '{"models": [{"path": "m.tflite", "id": "../up"}]}'],
    ['a syntax error', 'bench.config.mjs', 'export default {'],
    ['no default export', 'bench.config.mjs', 'export const config = {};'],
    ['a number as default export', 'bench.config.mjs', 'export default 42;'],
    ['a module that throws', 'bench.config.ts', "throw new Error('config exploded');"],
  ] as const).map(([what, name, text]): Case => ({ name: `a config file with ${what}`, argv: (box) => ['run', '--config', box.file(name, text)] })),
  { name: 'a config file that does not exist', argv: (box) => ['run', '--config', box.path('absent.config.json')] },
  { name: 'a config "file" that is a folder', argv: (box) => ['run', '--config', dirname(box.file('folder.json/x', ''))] },

  // --- Images and datasets.
  { name: 'retrain --images on a missing folder', argv: (box) => ['retrain', '--images', box.path('nowhere')] },
  { name: 'retrain --images on an empty folder', argv: (box) => ['retrain', '--images', dirname(box.file('empty/.keep', ''))] },
  { name: 'retrain --images on a file', argv: (box) => ['retrain', '--images', box.file('image.jpg', 'not an image')] },
  { name: 'retrain --images with one class', argv: (box) => ['retrain', '--images', dirname(dirname(box.file('one/cats/a.png', 'x')))] },
  { name: 'convert int8 with an empty --images', argv: (box) => ['convert', '--model', join(box.copy('layers', 'm'), 'model.json'), '--variants', 'int8', '--images', dirname(box.file('empty/.keep', ''))] },
  { name: 'convert int8 with no images at all', argv: (box) => ['convert', '--model', join(box.copy('layers', 'm'), 'model.json'), '--variants', 'int8'] },
  { name: 'run --labels on a missing file', argv: (box) => ['run', '--model', join(box.copy('layers', 'm'), 'model.json'), '--labels', box.path('labels.txt'), ...RUN_NODE] },
  { name: 'run --labels with the wrong number of classes', argv: (box) => ['run', '--model', join(box.copy('layers', 'm'), 'model.json'), '--labels', box.file('labels.txt', 'only\ntwo\n'), ...RUN_NODE] },

  // --- .tflite files.
  { name: 'inspect an empty file', argv: (box) => ['inspect', box.file('empty.tflite', '')] },
  { name: 'inspect random bytes', argv: (box) => ['inspect', box.file('random.tflite', Uint8Array.from({ length: 4096 }, (_, index) => (index * 7919) % 251))] },
  { name: 'inspect a truncated .tflite', argv: (box) => ['inspect', box.file('half.tflite', tflite.subarray(0, Math.floor(tflite.length / 2)))] },
  { name: 'inspect a .tflite cut to 12 bytes', argv: (box) => ['inspect', box.file('tiny.tflite', tflite.subarray(0, 12))] },
  { name: 'inspect a .tflite whose root offset points past the end', argv: (box) => ['inspect', box.file('root.tflite', Uint8Array.from([0xff, 0xff, 0xff, 0x7f, ...tflite.subarray(4)]))] },
  { name: 'inspect a .tflite that is a folder', argv: (box) => ['inspect', dirname(box.file('dir.tflite/x', ''))] },
  { name: 'inspect a missing file', argv: (box) => ['inspect', box.path('absent.tflite')] },
  // `bench inspect` on a deflate bomb describes the rest of the file and names the metadata unreadable in one line, exit 0: user-model-zip-bomb.test.ts.
  { name: 'run --model a truncated .tflite', argv: (box) => ['run', '--model', box.file('half.tflite', tflite.subarray(0, 100)), ...RUN_NODE] },
  { name: 'run --model a .tflite of random bytes', argv: (box) => ['run', '--model', box.file('random.tflite', Uint8Array.from({ length: 512 }, (_, index) => index % 256)), ...RUN_NODE] },
  { name: 'run --model a .tflite with a deflate bomb for labels', argv: (box) => ['run', '--model', box.file('bomb.tflite', Buffer.concat([tfliteNoLabels, deflatedZip('labels.txt', new Uint8Array(64 * 2 ** 20), 16)])), ...RUN_NODE], fixedBy: 'sec-model' },
  { name: 'run --model a path that does not exist', argv: (box) => ['run', '--model', box.path('absent.tflite'), ...RUN_NODE] },
  { name: 'run --model a .pb file', argv: (box) => ['run', '--model', box.file('frozen/saved_model.pb', 'x'), ...RUN_NODE] },

  // --- model.json files.
  { name: 'convert a model.json that is not JSON', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('m/model.json', '{"format": ')] },
  { name: 'convert a truncated model.json', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('m/model.json', readFileSync(join(fixtures.layers, 'model.json'), 'utf8').slice(0, 200))] },
  { name: 'convert an empty JSON object', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('m/model.json', '{}')] },
  { name: 'convert a model.json that is an array', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('m/model.json', '[]')] },
  { name: 'convert a model.json with an unknown layer class', argv: (box) => ['convert', ...FLOAT32, '--model', editedLayers(box, 'm', (json) => { json.modelTopology.config.layers[0]!.class_name = 'Frobnicate'; })] },
  { name: 'convert a model.json whose shard is missing', argv: (box) => ['convert', ...FLOAT32, '--model', editedLayers(box, 'm', (json) => { json.weightsManifest[0]!.paths = ['gone.bin']; })], fixedBy: 'sec-model' },
  { name: 'convert a model.json whose shard is too short', argv: (box) => ['convert', ...FLOAT32, '--model', editedLayers(box, 'm', (json) => { json.weightsManifest[0]!.paths = ['short.bin']; writeFileSync(join(box.path('m'), 'short.bin'), Buffer.alloc(8)); })], fixedBy: 'sec-model' },
  { name: 'convert a model.json whose shard climbs out of its folder', argv: (box) => ['convert', ...FLOAT32, '--model', editedLayers(box, 'm', (json) => { json.weightsManifest[0]!.paths = ['../../../../secret.bin']; })], fixedBy: 'sec-model' },
  { name: 'convert a model.json whose shard is an absolute path', argv: (box) => ['convert', ...FLOAT32, '--model', editedLayers(box, 'm', (json) => { json.weightsManifest[0]!.paths = [join(root, 'secret.bin')]; })], fixedBy: 'sec-model' },
  { name: 'run --model a model.json whose shard climbs out (written into <out>/models/…/../../../..)', argv: (box) => ['run', '--model', editedLayers(box, 'm', (json) => { json.weightsManifest[0]!.paths = ['../../../../secret.bin']; }), ...RUN_NODE], fixedBy: 'sec-model' },
  { name: 'run --model a model.json whose shard is missing', argv: (box) => ['run', '--model', editedLayers(box, 'm', (json) => { json.weightsManifest[0]!.paths = ['gone.bin']; }), ...RUN_NODE], fixedBy: 'sec-model' },
  { name: 'run --model a model.json with a weight that declares 2e8 elements', argv: (box) => ['run', '--model', editedLayers(box, 'm', (json) => { json.weightsManifest[0]!.weights[0]!.shape = [20000, 10000]; }), ...RUN_NODE], fixedBy: 'sec-model' },
  { name: 'convert --model a folder', argv: (box) => ['convert', ...FLOAT32, '--model', box.copy('layers', 'm')] },
  { name: 'convert --model a .tflite', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('m.tflite', tflite)] },

  // --- Graph models.
  { name: 'convert a graph with a cycle', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('g/model.json', graphModel((nodes) => nodes.map((node) => (node.name === 'relu' ? { ...node, input: ['softmax'] } : node))))], setup: (box) => box.file('g/weights.bin', Buffer.alloc(432)), fixedBy: 'sec-model' },
  { name: 'convert a graph whose node reads itself', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('g/model.json', graphModel((nodes) => nodes.map((node) => (node.name === 'relu' ? { ...node, input: ['relu'] } : node))))], setup: (box) => box.file('g/weights.bin', Buffer.alloc(432)), fixedBy: 'sec-model' },
  {
    name: 'convert a graph with a 100k-node chain',
    argv: (box) => ['convert', ...FLOAT32, '--model', box.file('g/model.json', graphModel((nodes) => [...nodes.slice(0, 5), ...Array.from({ length: 100_000 }, (_, index) => ({ name: `chain${index}`, op: 'Identity', input: [index ? `chain${index - 1}` : 'relu'], attr: float })), ...nodes.slice(5).map((node) => (node.name === 'mean' ? { ...node, input: ['chain99999', 'axes'] } : node))]))],
    setup: (box) => box.file('g/weights.bin', Buffer.alloc(432)),
    fixedBy: 'sec-model',
  },
  {
    name: 'convert a graph whose Const declares 2e8 elements',
    argv: (box) => ['convert', ...FLOAT32, '--model', box.file('g/model.json', graphModel((nodes) => nodes.map((node) => (node.name === 'filter' ? { ...node, attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: shape(20000, 10000) } } } } : node)), [{ name: 'filter', shape: [20000, 10000], dtype: 'float32' }]))],
    setup: (box) => box.file('g/weights.bin', Buffer.alloc(432)),
    fixedBy: 'sec-model',
  },
  { name: 'convert a graph whose input is missing', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('g/model.json', graphModel((nodes) => nodes.map((node) => (node.name === 'conv' ? { ...node, input: ['nowhere', 'filter'] } : node))))], setup: (box) => box.file('g/weights.bin', Buffer.alloc(432)) },
  { name: 'convert a graph with no nodes', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('g/model.json', graphModel(() => []))], setup: (box) => box.file('g/weights.bin', Buffer.alloc(432)) },
  { name: 'convert a graph whose shard climbs out', argv: (box) => ['convert', ...FLOAT32, '--model', box.file('g/model.json', graphModel().replace('"weights.bin"', '"../../../../secret.bin"'))], fixedBy: 'sec-model' },

  // --- metadata.json beside a model.
  ...(['-5', '0', '2.5', '1e999', '1e9'] as const).map((value): Case => ({
    name: `run a model whose metadata.json says inputSize ${value}`,
    argv: (box) => ['run', '--model', join(box.copy('anySize', 'm'), 'model.json'), ...RUN_NODE],
    setup: (box) => box.file('m/metadata.json', `{"inputSize": ${value}}`),
    fixedBy: 'sec-model',
  })),
  ...(['{"scale": 1e999, "offset": 0}', '{"scale": 0, "offset": 0}', '{"scale": "x", "offset": 0}'] as const).map((value): Case => ({
    name: `run a model whose metadata.json says normalization ${value}`,
    argv: (box) => ['run', '--model', join(box.copy('layers', 'm'), 'model.json'), ...RUN_NODE],
    setup: (box) => box.file('m/metadata.json', `{"normalization": ${value}}`),
    fixedBy: 'sec-model',
  })),
  { name: 'run a model whose metadata.json is not JSON', argv: (box) => ['run', '--model', join(box.copy('layers', 'm'), 'model.json'), ...RUN_NODE], setup: (box) => box.file('m/metadata.json', '{') },
  { name: 'run a model whose metadata.json has 2 class names for 3 classes', argv: (box) => ['run', '--model', join(box.copy('layers', 'm'), 'model.json'), ...RUN_NODE], setup: (box) => box.file('m/metadata.json', '{"classNames": ["a", "b"]}') },
  { name: 'convert a model whose metadata.json says normalization scale 0', argv: (box) => ['convert', '--model', join(box.copy('layers', 'm'), 'model.json'), '--variants', 'float32'], setup: (box) => box.file('m/metadata.json', '{"normalization": {"scale": 0, "offset": 0}}'), fixedBy: 'sec-model' },
  { name: 'convert a model whose metadata.json is an array', argv: (box) => ['convert', '--model', join(box.copy('layers', 'm'), 'model.json'), '--variants', 'float32'], setup: (box) => box.file('m/metadata.json', '[]'), fixedBy: 'sec-model' },

  // --- Run records for report and compare.
  { name: 'report with no runs', argv: () => ['report'] },
  { name: 'report a run id that does not exist', argv: () => ['report', 'nope'] },
  { name: 'report a run.json that is not JSON', argv: (box) => ['report', box.file('run.json', '{')] },
  { name: 'report a run.json of the wrong shape', argv: (box) => ['report', box.file('run.json', '{"runId": 3}')] },
  { name: 'report a truncated run.json in <out>/runs', argv: () => ['report', 'r1'], setup: (box) => writeFileSync(join(mkdirp(join(box.out, 'runs', 'r1')), 'run.json'), record('r1').slice(0, 40)) },
  { name: 'report a run id that climbs out', argv: () => ['report', '../../../x'] },
  { name: 'compare with no runs', argv: () => ['compare', '--baseline', 'latest'] },
  { name: 'compare against a baseline that is not JSON', argv: (box) => ['compare', '--baseline', box.file('base.json', 'nope'), box.file('run.json', record('r2'))] },
  { name: 'compare a run with itself', argv: (box) => ['compare', '--baseline', box.file('run.json', record('r1')), box.path('run.json')] },
  { name: 'compare against a record of a future schema', argv: (box) => ['compare', '--baseline', box.file('base.json', record('r1', { schema: 99 })), box.file('run.json', record('r2'))] },
  { name: 'report --output into a folder that is a file', argv: (box) => ['report', box.file('run.json', record('r1')), '--format', 'md', '--output', join(box.file('blocker', 'x'), 'report.md')] },

  // --- Out folders.
  { name: '--out is a file', argv: (box) => ['run', '--out', box.file('not-a-folder', 'x')], ownOut: true },
  { name: 'history --out is a file', argv: (box) => ['history', '--out', box.file('not-a-folder', 'x')], ownOut: true },
  { name: 'bench.lock is a folder', argv: () => ['run', ...RUN_NODE], setup: (box) => mkdirp(join(box.out, 'bench.lock')), fixedBy: 'sec-out' },
  { name: 'bench.lock is a symlink', argv: () => ['run', ...RUN_NODE], setup: (box) => (mkdirp(box.out), symlinkSync(box.file('elsewhere.txt', 'keep me'), join(box.out, 'bench.lock'))), fixedBy: 'sec-out' },
  { name: 'bench.lock held by a live process', argv: () => ['run', ...RUN_NODE], setup: (box) => writeFileSync(join(mkdirp(box.out), 'bench.lock'), JSON.stringify({ pid: process.pid, command: 'bench run', host: hostname(), startedAt: new Date().toISOString() })) },

  // --- Phones.
  { name: 'an androidPackage with shell metacharacters', argv: (box) => ['run', '--config', box.file('bench.config.json', JSON.stringify({ android: { capabilities: { 'appium:androidPackage': 'com.android.chrome; touch /tmp/pwned' } } })), '--targets', 'android'], fixedBy: 'sec-phone' },
];

function mkdirp(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** Every file and link under `dir` with its size and mtime, except under the paths in `skip`. */
function snapshot(dir: string, skip: string[]): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (path: string) => {
    if (skip.includes(path)) return;
    const info = lstatSync(path);
    entries.set(relative(root, path), info.isDirectory() ? 'dir' : `${info.size}:${info.mtimeMs}`);
    if (info.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return entries;
}

before(async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  await saveLayersModel(model, fixtures.layers);
  const { graph } = prepareModel(model);
  assignVersions(graph);
  tflite = writeTflite(graph);
  tfliteNoLabels = tfliteWithSupportMetadata(model, { imageSize: 8, mean: [127.5], std: [127.5], labels: ['a', 'b', 'c'], packLabels: false });
  model.dispose();
  const anySize = tf.sequential();
  anySize.add(tf.layers.conv2d({ inputShape: [null, null, 3] as unknown as number[], filters: 2, kernelSize: 3 }));
  anySize.add(tf.layers.globalAveragePooling2d({}));
  anySize.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  await saveLayersModel(anySize, fixtures.anySize);
  anySize.dispose();
  mkdirp(fixtures.graph);
  writeFileSync(join(fixtures.graph, 'model.json'), graphModel());
  writeFileSync(join(fixtures.graph, 'weights.bin'), Buffer.alloc(432));
  // What an escaping path would read: it must never be copied anywhere.
  writeFileSync(join(root, 'secret.bin'), Buffer.alloc(432, 7));
  mkdirp(join(root, 'cases'));
});

after(() => rmSync(root, { recursive: true, force: true }));

test(`the table holds at least 120 bad inputs (${cases.length})`, () => {
  assert.ok(cases.length >= 120, `${cases.length} cases`);
  assert.equal(new Set(cases.map((entry) => entry.name)).size, cases.length, 'case names are unique');
});

cases.forEach((entry, index) => {
  const mark = entry.fixedBy ? ` [${entry.fixedBy}]` : '';
  // EDGEBENCH_BAD_INPUT_ONLY=<regex>: only the cases whose name matches (to rerun a few).
  const only = process.env.EDGEBENCH_BAD_INPUT_ONLY;
  const skip = only !== undefined && !new RegExp(only).test(entry.name);
  test(`bad input ${index + 1}: ${entry.name}${mark}`, { timeout: 90_000, skip }, async () => {
    const dir = join(root, 'cases', String(index + 1));
    const box: Box = {
      dir,
      out: join(dir, 'out'),
      file(name, content) {
        const path = join(dir, 'inputs', name);
        mkdirp(dirname(path));
        writeFileSync(path, content);
        return path;
      },
      path: (name) => join(dir, 'inputs', name),
      copy(fixture, name) {
        const target = join(dir, 'inputs', name);
        cpSync(fixtures[fixture], target, { recursive: true });
        return target;
      },
    };
    mkdirp(join(dir, 'work'));
    entry.setup?.(box);
    const [command, ...rest] = entry.argv(box);
    const argv = [command!, ...(entry.ownOut ? [] : ['--out', box.out]), '--quiet', ...rest];
    const before = snapshot(root, [box.out]);
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: join(dir, 'work') });
    // EDGEBENCH_BAD_INPUT_LOG=<file>: one line per case (exit code, the error line), to read the table's answers.
    if (process.env.EDGEBENCH_BAD_INPUT_LOG) appendFileSync(process.env.EDGEBENCH_BAD_INPUT_LOG, `${index + 1}\t${entry.name}\t${code}\t${stderr.trim().split('\n').join(' | ')}\n`);
    const shown = `bench ${argv.map((arg) => relative(dir, arg).startsWith('..') || !arg.startsWith('/') ? arg : `<case>/${relative(dir, arg)}`).join(' ')}\n${stderr}`;
    assert.notEqual(code, 0, `non-zero exit:\n${shown}`);
    const lines = stderr.split('\n').filter((line) => line.trim());
    assert.ok(!lines.some((line) => /^\s+at /.test(line)), `no stack trace:\n${shown}`);
    assert.equal(lines.filter((line) => line.startsWith('error: ')).length, 1, `one error line:\n${shown}`);
    assert.deepEqual(lines.filter((line) => !line.startsWith('error: ') && !line.startsWith('warning: ')), [], `nothing but the error and warnings:\n${shown}`);
    assert.ok(!/^\s+at /m.test(stdout), `no stack trace on stdout:\n${stdout}`);
    const after = snapshot(root, [box.out]);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((path) => before.get(path) !== after.get(path));
    assert.deepEqual(changed, [], `nothing written outside ${relative(root, box.out)}:\n${shown}`);
    assert.ok(!existsSync(join(dir, 'work', '.bench')), 'no out folder in the working folder');
  });
});
