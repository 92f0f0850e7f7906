/**
 * The page server answers only requests addressed to it by a loopback name
 * and its port (a DNS-rebinding page sends its own host name), and a
 * symbolic link inside a mounted folder cannot serve a file outside it.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAllowedHost, startStaticServer } from '../../targets/page/server.ts';
import { tempDir } from '../helpers/tmp.ts';

/** A raw GET with the Host header as given. */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('only Host 127.0.0.1:<port> or localhost:<port> is answered', async (t) => {
  const root = await tempDir('server-host');
  await writeFile(join(root, 'index.html'), 'page');
  const server = await startStaticServer();
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  server.mount('/', root);
  const { port } = server;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) assert.deepEqual(await get(port, '/index.html', host), { status: 200, body: 'page' }, host);
  for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `127.0.0.1`, `localhost.evil.example:${port}`, `10.0.0.5:${port}`]) {
    const response = await get(port, '/index.html', host);
    assert.equal(response.status, 421, host);
    assert.notEqual(response.body, 'page', host);
  }
  assert.equal(isAllowedHost(undefined, port), false, 'no Host header at all');
});

test('a symbolic link out of a mounted folder is not followed; one inside it is', async (t) => {
  const root = await tempDir('server-symlink');
  const site = join(root, 'site');
  await mkdir(join(site, 'data'), { recursive: true });
  await writeFile(join(root, 'secret.txt'), 'outside');
  await writeFile(join(site, 'data', 'inside.txt'), 'inside');
  await symlink(join(root, 'secret.txt'), join(site, 'leak.txt'));
  await symlink(root, join(site, 'up'));
  await symlink(join(site, 'data', 'inside.txt'), join(site, 'alias.txt'));
  const server = await startStaticServer();
  t.after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });
  server.mount('/', site);
  const host = `127.0.0.1:${server.port}`;
  for (const path of ['/leak.txt', '/up/secret.txt']) {
    const response = await get(server.port, path, host);
    assert.equal(response.status, 404, path);
    assert.notEqual(response.body, 'outside', path);
  }
  assert.deepEqual(await get(server.port, '/alias.txt', host), { status: 200, body: 'inside' });
});
