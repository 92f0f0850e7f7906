/**
 * `npm run benchmark:node-gpu`: in one run, p50 latency of MobileNetV2 and
 * InceptionV3 on Node `tfjs-webgpu` (TF.js's webgpu backend on Dawn) and on
 * `tfjs-wasm`, their ratio, each one's agreement with TF.js `cpu` on a few
 * images, and the name of the adapter Dawn used.
 *
 * Every job (the cpu reference included) runs in a child process of this
 * script with the project's kernel and Node runtimes, as the Node target's
 * worker runs them: Dawn starts in the environment it needs and a crash
 * fails one job. Where Dawn finds no adapter, the job is retried on
 * Chromium's SwiftShader, as `bench` does, and the adapter line says so.
 * Models: ./gpu-machine/bench-models.ts.
 *
 * This file is also the entry of the GPU-machine bundle (./gpu-machine/):
 * bundled by esbuild, it runs on a bare Node with its evaluation images in
 * BENCH_PACKS.
 *
 *   npm run benchmark:node-gpu
 *   BENCH_MODELS=mobilenet_v2 BENCH_SAMPLES=20 npm run benchmark:node-gpu
 *   BENCH_IMAGES=8 (evaluation images)  BENCH_OUT=.bench (retrained models)  BENCH_PACKS=dir (images made by the bundle)
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEvalPack } from '../../harness/core/eval-pack.ts';
import type { JobPhase } from '../../harness/core/record.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import { measure, PhaseError } from '../../targets/kernel/index.ts';
import type { KernelOptions, KernelResult, ReferenceOutputs } from '../../targets/kernel/types.ts';
import { swiftShaderFallback } from '../../targets/node/dawn-env.ts';
import type { DeviceFacts, NodeRuntime, NodeSession } from '../../targets/node/runtime-types.ts';
import { tfjsRuntimes } from '../../targets/node/tfjs.ts';
import { webgpuRuntime } from '../../targets/node/webgpu.ts';
import { prepareBenchModel, type BenchModel } from './gpu-machine/bench-models.ts';

const RUNTIMES: NodeRuntime[] = [webgpuRuntime, ...tfjsRuntimes.filter((runtime) => runtime.name === 'tfjs-wasm' || runtime.name === 'tfjs-cpu')];
const JOB_FLAG = '--edgebench-job';
/** One job: generous, for InceptionV3 on a software adapter. */
const JOB_TIMEOUT_MS = Number(process.env.BENCH_JOB_TIMEOUT_MS ?? 1_800_000);

interface JobRequest {
  runtime: string;
  artifactPath: string;
  metadata: ModelMetadata;
  packDir: string;
  kernel: KernelOptions;
  reference?: ReferenceOutputs;
  returnOutputs?: boolean;
}
type JobAnswer = { ok: true; result: KernelResult; device?: DeviceFacts } | { ok: false; phase: JobPhase; message: string };

// ------------------------------------------------------------ the job, in the child

async function runJob(request: JobRequest): Promise<JobAnswer> {
  const runtime = RUNTIMES.find((candidate) => candidate.name === request.runtime);
  if (!runtime) return { ok: false, phase: 'setup', message: `no runtime ${request.runtime}` };
  try {
    const pack = await readEvalPack(request.packDir);
    let session: NodeSession | undefined;
    const result = await measure({
      load: async () => (session = await runtime.open({ artifactPath: request.artifactPath, metadata: request.metadata, threads: 1, batchSize: request.kernel.batchSize })),
      pack,
      ...(request.reference ? { reference: request.reference } : {}),
      options: request.kernel,
      sampleRss: () => process.memoryUsage.rss(),
    });
    if (!request.returnOutputs) delete result.outputs;
    const device = await (session as NodeSession | undefined)?.deviceFacts?.().catch(() => undefined);
    return { ok: true, result, ...(device ? { device } : {}) };
  } catch (error) {
    const phase = error instanceof PhaseError ? error.phase : 'setup';
    const cause = error instanceof PhaseError ? error.cause : error;
    return { ok: false, phase, message: (cause as Error)?.message ?? String(cause) };
  }
}

// ------------------------------------------------------------ the run, in the parent

function inChild(request: JobRequest, env: NodeJS.ProcessEnv): Promise<JobAnswer> {
  return new Promise((done) => {
    // Locally this file runs under tsx (its --import is in execArgv); bundled, on plain node.
    const child = fork(fileURLToPath(import.meta.url), [JOB_FLAG], { execArgv: process.execArgv, env, serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let answer: JobAnswer | undefined;
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), JOB_TIMEOUT_MS);
    child.on('message', (message: JobAnswer) => (answer = message));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const last = stderr.trim().split('\n').slice(-1)[0] ?? '';
      done(answer ?? { ok: false, phase: 'setup', message: `the job process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${last ? `: ${last}` : ''}` });
    });
    child.send(request);
  });
}

/** tfjs-webgpu in the environment as it is, else (no adapter, Linux, no driver named) on Chromium's SwiftShader. */
async function webgpuJob(request: JobRequest): Promise<{ answer: JobAnswer; fallback?: string }> {
  const answer = await inChild(request, process.env);
  if (answer.ok || !/found no WebGPU adapter/.test(answer.message)) return { answer };
  const choice = swiftShaderFallback({ platform: process.platform, env: process.env, exists: existsSync });
  if (!('fallback' in choice)) return { answer };
  return { answer: await inChild(request, { ...process.env, ...choice.fallback.env }), fallback: choice.fallback.icd };
}

const ms = (value: number) => value.toFixed(1).padStart(9);

async function main(): Promise<void> {
  const models = (process.env.BENCH_MODELS ?? 'mobilenet_v2,inception_v3').split(',').filter(Boolean);
  const samples = Number(process.env.BENCH_SAMPLES ?? 5);
  const images = Number(process.env.BENCH_IMAGES ?? 4);
  const scratch = await mkdtemp(join(tmpdir(), 'edgebench-node-gpu-'));
  const adapters = new Set<string>();
  const ratios: string[] = [];
  try {
    console.log(`Node ${process.version} on ${process.platform}-${process.arch}; ${samples} samples per job, agreement with TF.js cpu on ${images} images`);
    console.log('model          runtime       samples    p50 ms    p90 ms   load ms  first ms  top-1 agree  max|Δp|');
    for (const model of models) {
      const prepared: BenchModel = await prepareBenchModel(model, { benchOut: resolve(process.env.BENCH_OUT ?? '.bench'), scratch, images, ...(process.env.BENCH_PACKS ? { packs: process.env.BENCH_PACKS } : {}) });
      const base = { artifactPath: prepared.modelJsonPath, metadata: prepared.metadata, packDir: prepared.packDir };
      const evalLimit = Math.min(images, (await readEvalPack(prepared.packDir)).count);
      const reference = await inChild(
        { ...base, runtime: 'tfjs-cpu', kernel: { warmupIterations: 0, minSamples: 1, minTimeMs: 0, maxTimeMs: 0, batchSize: 1, evalLimit, evaluate: true }, returnOutputs: true },
        process.env,
      );
      if (!reference.ok || !reference.result.outputs) {
        console.log(`${model.padEnd(14)} tfjs-cpu reference failed in ${reference.ok ? 'evaluation' : reference.phase}: ${reference.ok ? 'no outputs' : reference.message}`);
        continue;
      }
      const outputs = reference.result.outputs;
      const referenceOutputs: ReferenceOutputs = { name: 'tfjs-cpu', images: evalLimit, classes: outputs.length / evalLimit, probabilities: outputs };
      const p50: Record<string, number> = {};
      for (const runtime of ['tfjs-webgpu', 'tfjs-wasm']) {
        const request: JobRequest = { ...base, runtime, kernel: { warmupIterations: 1, minSamples: samples, minTimeMs: 0, maxTimeMs: 600_000, batchSize: 1, evalLimit, evaluate: true }, reference: referenceOutputs };
        const { answer, fallback } = runtime === 'tfjs-webgpu' ? await webgpuJob(request) : { answer: await inChild(request, process.env), fallback: undefined };
        if (!answer.ok) {
          console.log(`${model.padEnd(14)} ${runtime.padEnd(12)}  failed in ${answer.phase}: ${answer.message}`);
          continue;
        }
        const { latency, loadMs, firstInferenceMs, evaluation } = answer.result;
        p50[runtime] = latency.p50;
        const adapter = answer.device?.extra?.webgpuAdapter;
        if (adapter) adapters.add(`${adapter}${answer.device?.extra?.softwareAdapter ? ' [software: the CPU, not a GPU]' : ''}${fallback ? ` (Vulkan driver ${fallback}, found by the benchmark)` : ''}`);
        const agreement = evaluation?.agreement;
        console.log(
          `${model.padEnd(14)} ${runtime.padEnd(12)} ${String(latency.samples).padStart(8)} ${ms(latency.p50)} ${ms(latency.p90)} ${ms(loadMs)} ${ms(firstInferenceMs)}  ${agreement ? `${(agreement.top1 * 100).toFixed(0)}%`.padStart(11) : '—'.padStart(11)}  ${agreement ? agreement.maxAbsDiff.toExponential(1) : '—'}`,
        );
      }
      if (p50['tfjs-webgpu'] && p50['tfjs-wasm']) ratios.push(`${model}: wasm p50 / webgpu p50 = ${(p50['tfjs-wasm'] / p50['tfjs-webgpu']).toPrecision(3)}× (webgpu is faster above 1)`);
      console.log(`  (${prepared.source})`);
    }
    for (const line of ratios) console.log(line);
    console.log(`adapter: ${[...adapters].join('; ') || 'none (tfjs-webgpu did not run)'}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------ entry: a job (child) or the run (parent)

if (process.argv.includes(JOB_FLAG)) {
  process.once('message', (request: JobRequest) => {
    void runJob(request).then((answer) => process.send!(answer, undefined, {}, () => process.exit(0)));
  });
} else {
  await main();
}
