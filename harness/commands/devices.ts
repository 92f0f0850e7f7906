/**
 * `bench devices`: what each target finds, and every runtime on each device
 * as available or unavailable with the reason.
 */
import { defineCommand } from 'citty';
import { createColors } from 'picocolors';
import { commonArgs, list, setup, type CommandIo } from './common.ts';
import type { Colors } from '../core/log.ts';
import { TARGETS, type TargetKind } from '../core/record.ts';
import { discoverKinds, targetFactories } from '../targets.ts';
import type { DiscoveredDevice, Target, TargetContext } from '../../targets/types.ts';

export interface TargetListing {
  kind: TargetKind;
  /** False when the target's module failed to import or its discovery threw. */
  available: boolean;
  reason?: string;
  devices: DiscoveredDevice[];
}

/** The built-in targets, browsers read anew: a listing says what is there now, not what a run kept (targets/browser/facts-cache.ts). */
const freshFactories: Record<TargetKind, () => Promise<Target>> = {
  ...targetFactories,
  browser: async () => (await import('../../targets/browser/index.ts')).createBrowserTarget({ cachedFacts: false }),
};

/** Discovers each kind; a target that fails to import or to discover is listed unavailable with its error. */
export async function listDevices(kinds: readonly TargetKind[], context: TargetContext, factories: Record<TargetKind, () => Promise<Target>> = freshFactories): Promise<TargetListing[]> {
  const listings: TargetListing[] = [];
  // Every runtime, whatever a config file's run.backends says: a run probes only the runtimes it names (targets/node/index.ts), a listing all.
  const everyRuntime: TargetContext = { ...context, config: { ...context.config, run: { ...context.config.run, backends: undefined } } };
  for (const found of await discoverKinds(kinds, everyRuntime, factories)) {
    if (found.ok) {
      await found.target.dispose?.().catch(() => {});
      listings.push({ kind: found.kind, available: true, devices: found.devices });
    } else {
      const reason = found.stage === 'load' ? `cannot load the ${found.kind} target: ${found.message}` : `discovery failed: ${found.message}`;
      listings.push({ kind: found.kind, available: false, reason, devices: [] });
    }
  }
  return listings;
}

/** `pc`: the logger's colours (plain unless its stream is a terminal). */
export function formatDevices(listings: TargetListing[], pc: Colors = createColors(false)): string[] {
  const lines: string[] = [];
  for (const listing of listings) {
    if (!listing.available) {
      lines.push(`${listing.kind}: ${pc.red('unavailable')} (${listing.reason})`);
      continue;
    }
    if (listing.devices.length === 0) lines.push(`${listing.kind}: no device found`);
    for (const found of listing.devices) {
      const device = found.device;
      const phone = device.android;
      const facts = [
        phone ? `Android ${phone.androidVersion}, SoC ${phone.soc}, ${phone.abi}` : '',
        device.cores ? `${device.cores} cores` : '',
        device.memoryBytes ? `${(device.memoryBytes / 2 ** 30).toFixed(1)} GiB` : '',
        phone?.battery ? `battery ${phone.battery.level}%${phone.battery.charging ? ' charging' : ''}` : '',
        phone?.thermalStatus ? `thermal ${phone.thermalStatus}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(`${listing.kind} ${device.id}: ${device.name}${facts ? ` (${facts})` : ''}${found.usable ? '' : ` ${pc.red('not usable')}: ${found.reason ?? ''}`}`);
      for (const note of found.notes ?? []) lines.push(`  ${note}`);
      const width = Math.max(0, ...found.runtimes.map((runtime) => runtime.runtime.length));
      for (const runtime of found.runtimes) {
        const details = runtime.details ? Object.entries(runtime.details).map(([name, value]) => `${name} ${value}`).join(', ') : '';
        // A software GPU runs, but is no GPU: marked, and left out of the default plan (harness/plan.ts).
        const software = runtime.software
          ? ` ${pc.yellow('software')} (${runtime.software}; runs only when named in --backends)`
          : runtime.optIn
            ? ` ${pc.yellow('opt-in')} (${runtime.optIn}; runs only when named in --backends)`
            : '';
        const status = runtime.available ? `${pc.green('available')}${software}${details ? `  ${details}` : ''}` : `${pc.yellow('unavailable')}: ${runtime.reason ?? 'no reason given'}`;
        lines.push(`  ${runtime.runtime.padEnd(width)}  ${status}`);
      }
    }
  }
  return lines;
}

export default defineCommand({
  meta: { name: 'devices', description: 'List the devices and runtimes each target finds, and why a runtime is unavailable' },
  args: {
    ...commonArgs,
    targets: { type: 'string', description: 'Targets to look at, comma-separated (default: node, browser, android)', valueHint: 'list' },
  },
  async run({ args, data }) {
    const { config, log, out } = await setup(args, undefined, data as CommandIo | undefined);
    const kinds = (list(args.targets) ?? [...TARGETS]) as TargetKind[];
    const unknown = kinds.filter((kind) => !TARGETS.includes(kind));
    if (unknown.length) {
      const { UserError } = await import('../core/errors.ts');
      throw new UserError(`unknown target ${unknown.join(', ')}: choose from ${TARGETS.join(', ')}`, 'TARGET_UNKNOWN');
    }
    const listings = await listDevices(kinds, { config, log, out, signal: new AbortController().signal });
    for (const line of formatDevices(listings, log.colors)) log.info(line);
    log.result({ targets: listings });
  },
});
