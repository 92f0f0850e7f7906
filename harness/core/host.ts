/**
 * Facts about the machine the harness runs on, for the run record: OS, CPU,
 * memory, Node version, and the git commit when run inside a repository.
 */
import { spawnSync } from 'node:child_process';
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

/** The commit checked out in `cwd` and whether the tree has changes; undefined outside a repository or without git. */
export function gitInfo(cwd: string): { commit: string; dirty: boolean } | undefined {
  const git = (...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8', timeout: 10_000 });
  const head = git('rev-parse', 'HEAD');
  if (head.status !== 0 || !head.stdout) return undefined;
  const status = git('status', '--porcelain', '--untracked-files=no');
  return { commit: head.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim().length > 0 : true };
}
