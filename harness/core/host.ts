/**
 * Facts about the machine the harness runs on, for the run record: OS, CPU,
 * memory, Node version (the git commit is ./git.ts).
 */
import os from 'node:os';
import type { DeviceInfo, HostInfo } from './record.ts';

export function hostInfo(): HostInfo {
  return {
    os: `${os.type()} ${os.release()}`,
    platform: process.platform,
    arch: process.arch,
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
  };
}

function cpuModel(): string {
  return os.cpus()[0]?.model.trim() || 'unknown CPU';
}

/** The host as the Node target's device (id `host`). */
export function hostDevice(): DeviceInfo {
  const host = hostInfo();
  return {
    id: 'host',
    kind: 'node',
    name: `${host.os} ${host.arch} (${host.cpu})`,
    os: host.os,
    cpu: host.cpu,
    cores: host.cores,
    memoryBytes: host.memoryBytes,
    extra: { node: host.node },
  };
}
