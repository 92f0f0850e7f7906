/**
 * The page's static server: cross-origin isolation headers on everything,
 * the right content types (wasm streaming needs application/wasm), only
 * mounted folders served, and no way out of them.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveInside, startStaticServer } from '../../targets/page/server.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A raw GET, so that `..` and encoded slashes reach the server exactly as written. */
function get(origin: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('static server', async (t) => {
  const root = await tempDir('browser-server');
  const site = join(root, 'site');
  const secret = join(root, 'secret.txt');
  await mkdir(join(site, 'sub'), { recursive: true });
  await writeFile(join(site, 'index.html'), '<p>page</p>');
  await writeFile(join(site, 'sub', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
  await writeFile(secret, 'do not serve');
  const models = join(root, 'models with space');
  await mkdir(models, { recursive: true });
  await writeFile(join(models, 'model.json'), '{"ok":true}');

  const server = await startStaticServer();
  t.after(() => server.close());
  server.mount('/', site);

  await t.test('listens on loopback and sends the isolation headers', async () => {
    assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await get(server.origin, '/index.html');
    assert.equal(page.status, 200);
    assert.equal(page.body, '<p>page</p>');
    assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(page.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const missing = await get(server.origin, '/nope.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['cross-origin-embedder-policy'], 'require-corp');
  });

  await t.test('serves wasm as application/wasm and a folder path as its index.html', async () => {
    const wasm = await get(server.origin, '/sub/x.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.equal((await get(server.origin, '/')).body, '<p>page</p>');
  });

  await t.test('never leaves a mounted folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/%00', `/${encodeURIComponent(secret)}`]) {
      const response = await get(server.origin, path);
      assert.notEqual(response.body, 'do not serve', `${path} leaked the file`);
      assert.equal(response.status, 404, path);
    }
    assert.equal(resolveInside(site, '../secret.txt'), null);
    assert.equal(resolveInside(site, '%2e%2e/secret.txt'), null);
    assert.equal(resolveInside(site, 'sub/x.wasm'), join(site, 'sub', 'x.wasm'));
  });

  await t.test('mounts job folders under stable /files/<id>/ prefixes', async () => {
    const path = server.pathFor(join(models, 'model.json'));
    assert.match(path, /^\/files\/[0-9a-f]{16}\/model\.json$/);
    assert.equal(server.pathFor(join(models, 'model.json')), path, 'the same folder gets the same prefix');
    assert.equal((await get(server.origin, path)).body, '{"ok":true}');
    assert.equal((await get(server.origin, path.replace('model.json', '../secret.txt'))).status, 404);
    assert.notEqual(server.mountFolder(site), server.mountFolder(models));
  });

  await t.test('serves published in-memory files', async () => {
    const path = server.publish('/generated/ref.json', '{"images":1}');
    const response = await get(server.origin, path);
    assert.equal(response.body, '{"images":1}');
    assert.equal(response.headers['content-type'], 'application/json');
  });

  await t.test('refuses methods other than GET and HEAD', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(server.origin);
      const req = request({ host: url.hostname, port: url.port, path: '/index.html', method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('x');
    });
    assert.equal(status, 405);
  });
});
