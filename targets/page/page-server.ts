/**
 * The benchmark page on its static server, and a job's files put there:
 * what every page host opens and what a PageJob's URLs point into.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JobSpec } from '../types.ts';
import { vendorMounts } from './assets.ts';
import { buildPageBundle } from './bundle.ts';
import { toPageJob } from './mapping.ts';
import type { ProfileRequest } from '../../harness/core/profile.ts';
import { PAGE_PATH, type PageJob, type PageProfileRequest, type WasmSettings } from './app/protocol.ts';
import { normalizeReference } from './reference.ts';
import { startStaticServer, type StaticServer, type StaticServerOptions } from './server.ts';

/** A running page server: the bundle at `/`, the runtimes' wasm under `/vendor/`, job files under `/files/`. */
export interface PageServer {
  server: StaticServer;
  /** `<origin>/index.html` */
  pageUrl: string;
  /** What it serves at `/` and under `/vendor/…` (an A/B mounts another tree's page in their place for a while: ./ab-pages.ts). */
  mounts?: Record<string, string>;
  close(): Promise<void>;
}

/** Builds (or reuses) the page bundle under `<out>/cache/browser-page` and serves it with the runtimes' wasm files. */
export async function startPageServer(out: string, options: StaticServerOptions = {}): Promise<PageServer> {
  const bundle = await buildPageBundle(out);
  const server = await startStaticServer(options);
  const mounts = { '/': bundle.dir, ...vendorMounts() };
  for (const [prefix, dir] of Object.entries(mounts)) server.mount(prefix, dir);
  return { server, pageUrl: `${server.origin}${PAGE_PATH}`, mounts, close: () => server.close() };
}

/**
 * Puts a job's files on the server and returns the PageJob for it, with the
 * wasm settings decided for it (./settings.ts; none for other runtimes). URLs are paths on the server's
 * origin, so they work through `adb reverse` as well. The reference file is
 * rewritten into the page's format (reference.ts).
 */
export async function preparePageJob(server: StaticServer, job: JobSpec, options: { wasm?: WasmSettings; id?: string }): Promise<PageJob> {
  const id = options.id ?? `${job.artifact.id}@${job.runtime}#${Date.now().toString(36)}`;
  let referenceUrl: string | undefined;
  if (job.referencePath) {
    const reference = normalizeReference(JSON.parse(await readFile(job.referencePath, 'utf8')), job.referencePath);
    const hash = createHash('sha256').update(job.referencePath).digest('hex').slice(0, 16);
    referenceUrl = server.publish(`/generated/${hash}/reference.json`, JSON.stringify(reference));
  }
  const pageJob = toPageJob(
    job,
    {
      artifactUrl: server.pathFor(job.artifact.path),
      packUrl: server.mountFolder(job.evalPackDir),
      ...(referenceUrl ? { referenceUrl } : {}),
      ...(job.retrain ? { trainPackUrl: server.mountFolder(job.retrain.packDir) } : {}),
    },
    options.wasm,
    id,
  );
  return job.profile ? { ...pageJob, profile: pageProfileRequest(server, job.profile, id) } : pageJob;
}

/** The prefix models each server holds for the latest profiled job: profile jobs run one at a time, and a large model's prefixes take hundreds of MB. */
const profileFiles = new WeakMap<StaticServer, string[]>();

/** A profile request with its prefix models published on the server (held in memory, never written to disk; the previous job's let go). */
function pageProfileRequest(server: StaticServer, request: ProfileRequest, id: string): PageProfileRequest {
  if (request.method === 'tf.profile') return request;
  if (request.method === 'benchmark_model') throw new Error(`a page runtime cannot run benchmark_model's op profile (${id})`);
  for (const path of profileFiles.get(server) ?? []) server.unpublish(path);
  const folder = createHash('sha256').update(id).digest('hex').slice(0, 16);
  const urls = request.files.map((bytes, index) => server.publish(`/generated/${folder}/prefix-${index}.tflite`, bytes, 'application/octet-stream'));
  const probes = request.probes?.map((probe, index) => ({ url: server.publish(`/generated/${folder}/probe-${index}.tflite`, probe.file, 'application/octet-stream'), side: probe.side, flops: probe.flops, description: probe.description }));
  profileFiles.set(server, [...urls, ...(probes ?? []).map((probe) => probe.url)]);
  return { method: 'prefix-attribution', budget: request.budget, urls, ...(probes ? { probes } : {}) };
}
