/**
 * Whether a forwarded host port is reachable from other machines. adb's
 * server binds `adb forward tcp:0 …` to loopback (127.0.0.1 and ::1), and
 * there is no way to ask for that in the rule itself (`tcp:localhost:0` is
 * refused: port 0 only parses without a host). But a server started with
 * `adb -a` binds every interface, which would put the phone's Chrome
 * DevTools (unauthenticated: cookies, every tab) on the network. So the port
 * is tried on each of this host's other addresses: one that answers means
 * the forward must not be used.
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';

/** This host's addresses other than loopback (IPv6 link-local ones with their interface). */
export function outwardAddresses(): string[] {
  return Object.entries(networkInterfaces()).flatMap(([name, entries]) =>
    (entries ?? []).filter((entry) => !entry.internal).map((entry) => (entry.family === 'IPv6' && entry.address.startsWith('fe80:') ? `${entry.address}%${name}` : entry.address)),
  );
}

function answers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(open);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The addresses besides loopback at which `port` accepts a connection: empty when it is loopback only. */
export async function reachableBeyondLoopback(port: number, addresses = outwardAddresses(), timeoutMs = 500): Promise<string[]> {
  const open = await Promise.all(addresses.map(async (address) => ((await answers(address, port, timeoutMs)) ? address : undefined)));
  return open.filter((address): address is string => address !== undefined);
}
