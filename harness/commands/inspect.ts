import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineCommand } from 'citty';
import { UserError } from '../core/errors.ts';
import type { TensorSummary, TfliteSummary } from '../../models/tflite/reader.ts';
import type { SupportMetadata } from '../../models/tflite-support-metadata.ts';
import { commonArgs, setup, type CommandIo } from './common.ts';
import { formatBytes } from '../core/format.ts';


function formatQuantization(tensor: TensorSummary): string {
  const q = tensor.quantization;
  if (!q) return '';
  if (q.scale.length > 1) return `per-channel (axis ${q.dimension ?? 0}, ${q.scale.length} scales)`;
  return `scale ${q.scale[0]!.toPrecision(6)} zero point ${q.zeroPoint[0] ?? 0}`;
}

function formatTensor(tensor: TensorSummary): string {
  const dynamic = tensor.shapeSignature?.some((dim) => dim < 0) ? ` (signature [${tensor.shapeSignature.join(', ')}])` : '';
  const quantization = formatQuantization(tensor);
  return `  ${tensor.name}  ${tensor.type}  [${tensor.shape.join(', ')}]${dynamic}${quantization ? `  ${quantization}` : ''}`;
}

/** What the TFLite Support metadata tells a runtime, in one line (or why it cannot be read). */
function formatSupportMetadata(support: SupportMetadata | { error: string }): string {
  if ('error' in support) return `TFLite Support metadata: unreadable (${support.error})`;
  const parts: string[] = [];
  if (support.inputSize) parts.push(`input ${support.inputSize}×${support.inputSize}`);
  if (support.normalization) parts.push(`normalisation pixel × ${support.normalization.scale.toPrecision(6)} + ${support.normalization.offset.toPrecision(6)}`);
  if (support.classNames) parts.push(`${support.classNames.length} labels: ${support.classNames.slice(0, 8).join(', ')}${support.classNames.length > 8 ? ', …' : ''}`);
  return `TFLite Support metadata: ${parts.length ? parts.join(', ') : 'nothing a classifier runtime reads'}`;
}

/** The human-readable summary, one section per line group; `support`: the file's TFLite Support metadata, when it has some. */
export function formatSummary(path: string, summary: TfliteSummary, support?: SupportMetadata | { error: string }): string[] {
  const lines = [`${path}: ${formatBytes(summary.fileBytes)}, schema v${summary.schemaVersion}, ${summary.subgraphs} subgraph${summary.subgraphs === 1 ? '' : 's'}${summary.description ? `, "${summary.description}"` : ''}`];
  lines.push('inputs:', ...summary.inputs.map(formatTensor));
  lines.push('outputs:', ...summary.outputs.map(formatTensor));
  const versions = new Map<string, number[]>();
  for (const code of summary.operatorCodes) versions.set(code.name, [...(versions.get(code.name) ?? []), code.version]);
  const operators = Object.entries(summary.operators)
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `  ${name.padEnd(22)} ${String(count).padStart(4)}  v${(versions.get(name) ?? []).join('/v')}`);
  lines.push(`operators (${summary.operatorCount}):`, ...operators);
  lines.push(`tensors: ${summary.tensorCount}`);
  const weights = Object.entries(summary.weightBytes).map(([type, bytes]) => `${type} ${formatBytes(bytes)}`);
  lines.push(`weights: ${weights.length ? weights.join(', ') : 'none'}`);
  if (summary.floatFallback) {
    const ops = Object.entries(summary.floatFallback).map(([name, count]) => `${name} ${count}`);
    lines.push(`float fallback (ops of this integer graph that run in float32, between DEQUANTIZE and QUANTIZE): ${ops.join(', ')}`);
  }
  if (summary.metadata.length) {
    lines.push('metadata:');
    for (const entry of summary.metadata) {
      let detail = 'binary';
      if (entry.json !== undefined) detail = `JSON ${JSON.stringify(entry.json).slice(0, 160)}${JSON.stringify(entry.json).length > 160 ? '…' : ''}`;
      else if (entry.text !== undefined) {
        const textLines = entry.text.split('\n').filter(Boolean);
        detail = `text, ${textLines.length} line${textLines.length === 1 ? '' : 's'}: ${textLines.slice(0, 8).join(', ')}${textLines.length > 8 ? ', …' : ''}`;
      }
      lines.push(`  ${entry.name} (${formatBytes(entry.bytes)}): ${detail}`);
    }
  }
  if (support) lines.push(formatSupportMetadata(support));
  for (const signature of summary.signatures) {
    const names = (maps: { name: string }[]) => maps.map((map) => map.name).join(', ');
    lines.push(`signature ${signature.key}: ${names(signature.inputs)} → ${names(signature.outputs)}`);
  }
  return lines;
}

export default defineCommand({
  meta: { name: 'inspect', description: 'Describe a .tflite file: inputs/outputs (shape, type, quantization), operators, tensors, weight bytes by type, float fallback of an integer graph, metadata, signatures' },
  args: {
    ...commonArgs,
    file: { type: 'positional', description: 'The .tflite file', required: true },
  },
  async run({ args, data }) {
    const { log, cwd } = await setup(args, undefined, data as CommandIo | undefined, { out: 'none' });
    const path = resolve(cwd, String(args.file));
    if (!existsSync(path)) throw new UserError(`file not found: ${path}`, 'FILE_NOT_FOUND');
    if (statSync(path).isDirectory()) throw new UserError(`${path} is a folder: give a .tflite file`, 'TFLITE_INVALID');
    const { inspectTflite } = await import('../../models/tflite/reader.ts');
    const { readSupportMetadata } = await import('../../models/tflite-support-metadata.ts');
    const { MAX_TFLITE_BYTES, readBounded } = await import('../../models/bounded-read.ts');
    const bytes = new Uint8Array(await readBounded(path, MAX_TFLITE_BYTES, 'TFLITE_INVALID'));
    let summary: TfliteSummary;
    try {
      summary = inspectTflite(bytes);
    } catch (error) {
      throw new UserError(`${path}: ${(error as Error).message}`, 'TFLITE_INVALID');
    }
    // Unreadable support metadata is shown, not fatal: the rest of the file is still described.
    let support: SupportMetadata | { error: string } | undefined;
    try {
      support = readSupportMetadata(bytes);
    } catch (error) {
      support = { error: (error as Error).message };
    }
    if (log.json) log.result({ file: path, ...summary, ...(support ? { supportMetadata: support } : {}) });
    else for (const line of formatSummary(path, summary, support)) log.info(line);
    return 0;
  },
});
