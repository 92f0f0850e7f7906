// A command that runs the benchmark several times over (bench calibrate's A/A
// runs) makes its Node target once and discovers once: the later runs take
// the first one's devices (a discovery is a probe worker, seconds of it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../harness/core/config.ts';
import { memoryLogger } from '../../harness/core/log.ts';
import { discoveringOnce } from '../../harness/targets.ts';
import type { DiscoveredDevice, Target, TargetContext } from '../../targets/types.ts';

const context: TargetContext = { config: parseConfig({ out: '/nonexistent' }), log: memoryLogger(), out: '/nonexistent', signal: new AbortController().signal };

test('the target is made once and discovers once; its other methods are its own', async () => {
  let made = 0;
  let discovered = 0;
  const devices = [{ device: { id: 'host' }, usable: true, runtimes: [] }] as unknown as DiscoveredDevice[];
  const factory = discoveringOnce(async () => {
    made += 1;
    return {
      kind: 'node',
      discover: async () => {
        discovered += 1;
        return devices;
      },
      run: async () => ({ ok: true, made }) as never,
    } as unknown as Target;
  });
  const first = await factory();
  const second = await factory();
  assert.equal(second, first);
  assert.equal(await first.discover(context), devices);
  assert.equal(await second.discover(context), devices);
  assert.deepEqual([made, discovered], [1, 1]);
  assert.deepEqual(await first.run({} as never, context), { ok: true, made: 1 });
});
