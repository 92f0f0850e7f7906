/**
 * `--browser-endpoint` URLs: ws(s):// is a Playwright server, http(s):// a
 * WebDriver server (credentials kept for the connection, `?browserName`
 * picked off); anything else is a one-line config error that never echoes
 * the credentials. A remote device's block names its host and a redacted
 * endpoint.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEndpoint, remoteDevice } from '../../targets/browser/remote.ts';
import type { PageCapabilities } from '../../targets/page/app/protocol.ts';

test('ws:// is a Playwright server, http:// a WebDriver server', () => {
  assert.deepEqual(parseEndpoint('ws://10.0.0.7:3000/pw'), { protocol: 'playwright', url: 'ws://10.0.0.7:3000/pw', where: '10.0.0.7:3000' });
  const grid = parseEndpoint('https://jane:k3y-s3cret@grid.example.com/wd/hub?browserName=firefox');
  assert.equal(grid.protocol, 'webdriver');
  if (grid.protocol !== 'webdriver') return;
  assert.equal(grid.browserName, 'firefox');
  assert.deepEqual(grid.endpoint, { protocol: 'https', hostname: 'grid.example.com', port: 443, path: '/wd/hub', user: 'jane', key: 'k3y-s3cret' });
});

test('other schemes and non-URLs are refused without echoing credentials', () => {
  assert.throws(() => parseEndpoint('ftp://jane:k3y-s3cret@host/'), (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID' && !error.message.includes('k3y-s3cret'));
  assert.throws(() => parseEndpoint('jane:k3y-s3cret@host'), (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID' && !error.message.includes('k3y-s3cret'));
});

test('a remote device names its host and a redacted endpoint', () => {
  const caps = { userAgent: 'Chrome/156', hardwareConcurrency: 8, crossOriginIsolated: true, wasm: { simd: true, relaxedSimd: true, threads: true }, webgl: {}, webgpu: {} } as unknown as PageCapabilities;
  const device = remoteDevice(parseEndpoint('ws://jane:k3y-s3cret@10.0.0.7:3000/pw'), { name: 'chromium', version: '156.0.1' }, caps);
  assert.equal(device.id, 'chromium-156-at-10.0.0.7-3000');
  assert.equal(device.extra?.host, '10.0.0.7:3000');
  assert.ok(!String(device.extra?.endpoint).includes('k3y-s3cret'));
  assert.equal(device.cores, 8);
});
