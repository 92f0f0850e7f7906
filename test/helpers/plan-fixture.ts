/**
 * Planner inputs for unit tests: retrained models whose artifacts need no
 * file (the planner reads ids, formats and input sizes only), and targets
 * that only say their kind and devices.
 */
import type { ModelArtifacts } from '../../harness/artifacts.ts';
import type { ModelMetadata } from '../../harness/core/metadata.ts';
import type { ArtifactFormat, ArtifactInfo, ArtifactVariant, DeviceInfo, TargetKind } from '../../harness/core/record.ts';
import type { ActiveTarget, planJobs } from '../../harness/plan.ts';
import type { RuntimeStatus, Target } from '../../targets/types.ts';

export const chromium: DeviceInfo = { id: 'chromium-156', kind: 'browser', name: 'Chromium 156' };
export const host: DeviceInfo = { id: 'host', kind: 'node', name: 'this host' };

/** A model retrained at `inputSize`, with one artifact per variant of `format`. */
export function plannedModel(id: string, inputSize: number, format: ArtifactFormat = 'tflite', variants: ArtifactVariant[] = ['float32']): ModelArtifacts {
  return {
    model: id,
    metadata: { model: id, inputSize } as ModelMetadata,
    artifacts: variants.map((variant) => ({ id: `${id}/${format}/${variant}`, model: id, format, variant, path: '/nowhere', bytes: 1, gzipBytes: 1, sha256: 'x' }) as ArtifactInfo),
  };
}

/** A target of `kind` with one usable device running `runtimes`. */
export function activeTarget(kind: TargetKind, device: DeviceInfo, runtimes: RuntimeStatus[]): ActiveTarget {
  return { target: { kind } as Target, devices: [{ device, usable: true, runtimes }] };
}

export type Plan = Awaited<ReturnType<typeof planJobs>>;
