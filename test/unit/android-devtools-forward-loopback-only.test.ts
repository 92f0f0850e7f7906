/**
 * The phone's DevTools forward must not be reachable from other machines:
 * adb binds `tcp:0` forwards to loopback unless its server was started with
 * `adb -a`, so the port is tried on this host's other addresses
 * (targets/android/loopback-only.ts). A listener on 127.0.0.1 is loopback
 * only; one on every interface (what `adb -a` does) is found.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { outwardAddresses, reachableBeyondLoopback } from '../../targets/android/loopback-only.ts';

function listen(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

const ipv4 = outwardAddresses().filter((address) => !address.includes(':'));

test('a port on 127.0.0.1 is loopback only; the same on every interface answers on the host’s other addresses', { skip: ipv4.length === 0 && 'this host has no address besides loopback' }, async () => {
  const loopback = await listen('127.0.0.1');
  const everywhere = await listen('0.0.0.0');
  try {
    assert.deepEqual(await reachableBeyondLoopback(loopback.port, ipv4), []);
    assert.deepEqual(await reachableBeyondLoopback(everywhere.port, ipv4), ipv4);
  } finally {
    loopback.server.close();
    everywhere.server.close();
  }
});

test('the host’s other addresses leave out loopback', () => {
  for (const address of outwardAddresses()) assert.ok(!/^127\.|^::1$/.test(address), address);
});
