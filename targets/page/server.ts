/**
 * The static server the benchmark page runs from: loopback, a free port, and
 * the cross-origin isolation headers (COOP same-origin + COEP require-corp)
 * without which browsers give no SharedArrayBuffer and so no WASM threads.
 *
 * It serves only folders mounted on it, each under its own URL prefix:
 * the page bundle at `/`, the runtimes' wasm files under `/vendor/…`, and the
 * model and evaluation-pack folders of each job under `/files/<id>/`.
 * Nothing outside a mounted folder can be read (no `..`, no absolute paths,
 * no symbolic link pointing out of it: paths are compared after realpath).
 *
 * It answers only requests addressed to it by a loopback name
 * (`Host: 127.0.0.1:<port>` or `localhost:<port>`): a web page the user has
 * open while a run goes on could otherwise point a DNS name of its own at
 * 127.0.0.1 (DNS rebinding) and read the models and the evaluation images.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
};

/** Headers on every response: isolation for WASM threads, no caching so load times are cold every time. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Cache-Control': 'no-store',
};

export interface StaticServerOptions {
  /** Interface to listen on. Default 127.0.0.1 (never reachable from other machines). */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
}

export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** Serves `dir` under `prefix` (`/vendor/x/`); replaces an earlier mount of the same prefix. */
  mount(prefix: string, dir: string): void;
  /** Mounts `dir` under `/files/<stable id>/` (idempotent) and returns that prefix. */
  mountFolder(dir: string): string;
  /** URL path (on this origin) of a file, mounting its folder as needed. */
  pathFor(file: string): string;
  /** Serves bytes held in memory at `path` (e.g. a reference file the host rewrote); returns the path. */
  publish(path: string, body: string | Uint8Array, contentType?: string): string;
  /** Stops serving what `publish` put at `path` (and frees it). */
  unpublish(path: string): void;
  close(): Promise<void>;
}

function normalizePrefix(prefix: string): string {
  const withLeading = prefix.startsWith('/') ? prefix : `/${prefix}`;
  return withLeading.endsWith('/') ? withLeading : `${withLeading}/`;
}

/**
 * Maps a request path to a file inside `root`, or null when it would leave it.
 * Exported for tests.
 */
export function resolveInside(root: string, relativeUrlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativeUrlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rootAbs = resolve(root);
  const file = resolve(rootAbs, `.${sep}${decoded}`);
  return file === rootAbs || file.startsWith(rootAbs + sep) ? file : null;
}

/**
 * Whether a request's Host header names this server by a loopback name and
 * its own port. Exported for tests.
 */
export function isAllowedHost(header: string | undefined, port: number, listenHost = '127.0.0.1'): boolean {
  if (!header) return false;
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`]);
  return allowed.has(header.trim().toLowerCase());
}

/**
 * The real path of `file` when it is inside the real path of `root`, else
 * null: a symbolic link inside a mounted folder cannot lead out of it.
 */
export async function realPathInside(root: string, file: string): Promise<string | null> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    return realFile === realRoot || realFile.startsWith(realRoot + sep) ? realFile : null;
  } catch {
    return null;
  }
}

export async function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const host = options.host ?? '127.0.0.1';
  /** Longest prefix first, so `/files/a/` wins over `/`. */
  const mounts = new Map<string, string>();
  const sortedMounts = () => [...mounts.entries()].sort((a, b) => b[0].length - a[0].length);
  const published = new Map<string, { body: Buffer; contentType: string }>();
  /** Known once listening; no request arrives before. */
  let port = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) response.setHeader(name, value);
    if (!isAllowedHost(request.headers.host, port, host)) {
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('misdirected request: this server answers only to 127.0.0.1 or localhost\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const inMemory = published.get(pathname);
    if (inMemory) {
      response.writeHead(200, { 'Content-Type': inMemory.contentType, 'Content-Length': String(inMemory.body.length) });
      response.end(request.method === 'HEAD' ? undefined : inMemory.body);
      return;
    }
    const mount = sortedMounts().find(([prefix]) => pathname.startsWith(prefix));
    const inside = mount ? resolveInside(mount[1], pathname.slice(mount[0].length) || 'index.html') : null;
    const file = inside && mount ? await realPathInside(mount[1], inside) : null;
    const info = file ? await stat(file).catch(() => null) : null;
    if (!file || !info?.isFile()) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}\n`);
      return;
    }
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(info.size),
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => response.destroy());
    stream.pipe(response);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const mountFolder = (dir: string): string => {
    const absolute = resolve(dir);
    const id = createHash('sha256').update(absolute).digest('hex').slice(0, 16);
    const prefix = `/files/${id}/`;
    mounts.set(prefix, absolute);
    return prefix;
  };

  return {
    origin,
    port,
    mount: (prefix, dir) => void mounts.set(normalizePrefix(prefix), resolve(dir)),
    mountFolder,
    pathFor: (file) => `${mountFolder(dirname(resolve(file)))}${encodeURIComponent(basename(file))}`,
    publish: (path, body, contentType) => {
      const key = path.startsWith('/') ? path : `/${path}`;
      published.set(key, { body: Buffer.from(body), contentType: contentType ?? CONTENT_TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream' });
      return key;
    },
    unpublish: (path) => void published.delete(path.startsWith('/') ? path : `/${path}`),
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
