/**
 * The benchmark page shared by every target that drives a browser: the
 * desktop browsers (targets/browser, Playwright) and Chrome on a phone
 * (targets/android, Appium). Start the server with `startPageServer`, turn a
 * Job into a PageJob with `preparePageJob`, run it with `window.edgebench`
 * (see docs/protocol.md), and read the result back with `toJobResult`.
 *
 * ./app is the code bundled into the page; the rest runs on the host.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JobSpec } from '../types.ts';
import { vendorMounts } from './assets.ts';
import { buildPageBundle } from './bundle.ts';
import { toPageJob } from './mapping.ts';
import { PAGE_PATH, type PageJob } from './app/protocol.ts';
import { normalizeReference } from './reference.ts';
import { startStaticServer, type StaticServer, type StaticServerOptions } from './server.ts';

export * from './app/protocol.ts';
export { runtimeSizes, RUNTIME_SIZE_ENTRIES, type RuntimeSizeOptions } from './sizes.ts';
export { buildPageBundle, pageBundleDir, type PageBundle } from './bundle.ts';
export { startStaticServer, ISOLATION_HEADERS, type StaticServer } from './server.ts';
export { runtimeStatuses, RUNTIME_FORMATS } from './runtimes.ts';
export { packageVersion } from './assets.ts';
export { expectedKeyOptions, requestedThreads, toJobResult, toPageJob } from './mapping.ts';
export { normalizeReference } from './reference.ts';
export { readTfliteIo, type TfliteIo, type TfliteTensorInfo } from './app/tflite-io.ts';

/** A running page server: the bundle at `/`, the runtimes' wasm under `/vendor/`, job files under `/files/`. */
export interface PageServer {
  server: StaticServer;
  /** `<origin>/index.html` */
  pageUrl: string;
  close(): Promise<void>;
}

/** Builds (or reuses) the page bundle under `<out>/cache/browser-page` and serves it with the runtimes' wasm files. */
export async function startPageServer(out: string, options: StaticServerOptions = {}): Promise<PageServer> {
  const bundle = await buildPageBundle(out);
  const server = await startStaticServer(options);
  server.mount('/', bundle.dir);
  for (const [prefix, dir] of Object.entries(vendorMounts())) server.mount(prefix, dir);
  return { server, pageUrl: `${server.origin}${PAGE_PATH}`, close: () => server.close() };
}

/**
 * Puts a job's files on the server and returns the PageJob for it. URLs are
 * paths on the server's origin, so they work through `adb reverse` as well.
 * The reference file is rewritten into the page's format (reference.ts).
 */
export async function preparePageJob(server: StaticServer, job: JobSpec, options: { threads: number; id?: string }): Promise<PageJob> {
  const id = options.id ?? `${job.artifact.id}@${job.runtime}#${Date.now().toString(36)}`;
  let referenceUrl: string | undefined;
  if (job.referencePath) {
    const reference = normalizeReference(JSON.parse(await readFile(job.referencePath, 'utf8')), job.referencePath);
    const hash = createHash('sha256').update(job.referencePath).digest('hex').slice(0, 16);
    referenceUrl = server.publish(`/generated/${hash}/reference.json`, JSON.stringify(reference));
  }
  return toPageJob(
    job,
    {
      artifactUrl: server.pathFor(job.artifact.path),
      packUrl: server.mountFolder(job.evalPackDir),
      ...(referenceUrl ? { referenceUrl } : {}),
      ...(job.retrain ? { trainPackUrl: server.mountFolder(job.retrain.packDir) } : {}),
    },
    options.threads,
    id,
  );
}
