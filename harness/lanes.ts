/**
 * How the orchestrator schedules jobs: by lane. Devices that share the host's
 * CPU (Node, browsers) form one lane, so their numbers do not disturb each
 * other; each phone is its own lane, and so is each other machine a remote
 * browser runs on. Within a lane one job at a time, in plan
 * order; the lanes run in parallel. This is the only queue: a target's `run`
 * is never called twice at once for one device.
 */
import type { DeviceInfo } from './core/record.ts';

export function laneOf(device: DeviceInfo): string {
  if (device.kind === 'android') return `android:${device.id}`;
  // A browser on another machine (targets/browser/remote.ts) has its own CPU: one lane per machine, whatever the port.
  const remote = device.extra?.remote === true && typeof device.extra.host === 'string' ? device.extra.host.replace(/:\d+$/, '') : undefined;
  if (remote && !/^(127\.|localhost$|\[::1\]$|::1$)/.test(remote)) return `remote:${remote}`;
  return 'host';
}

/** What a lane does after a job: go on with its next one, or stop (a job stopped by Ctrl-C). */
export type LaneStep = 'next' | 'stop';

/** Runs `items` lane by lane; `run` is called for the next item of a lane only once the previous one settled. */
export async function runInLanes<T>(items: readonly T[], deviceOf: (item: T) => DeviceInfo, run: (item: T) => Promise<LaneStep>): Promise<void> {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const lane = laneOf(deviceOf(item));
    lanes.set(lane, [...(lanes.get(lane) ?? []), item]);
  }
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const item of lane) if ((await run(item)) === 'stop') return;
    }),
  );
}
