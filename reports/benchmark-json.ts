/**
 * The "customSmallerIsBetter" format of github-action-benchmark: an array of
 * `{ name, unit, value, range?, extra? }`, so existing CI dashboards chart a
 * run as is. Names are stable across runs (they are the measurement keys), so
 * the dashboard joins the same key run to run. Every value is smaller-is-better:
 * accuracy is given as top-1 error.
 */
import type { RunRecord } from '../harness/core/record.ts';
import { measurementId } from '../harness/core/record.ts';
import { redactRecord } from '../harness/core/redact.ts';

export interface BenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

function round(value: number, digits = 4): number {
  return Number(value.toFixed(digits));
}

export function toBenchmarkJson(unsafeRecord: RunRecord): BenchmarkEntry[] {
  const record = redactRecord(unsafeRecord);
  const entries: BenchmarkEntry[] = [];
  for (const measurement of record.measurements) {
    const name = measurementId(measurement).replace(/#batch=1$/, '').replace(/#batch=(\d+)$/, ' batch=$1');
    const latency = measurement.latency;
    const retrain = measurement.retrain;
    // A retrain job's samples are training steps, not inferences: its entry says ms/step.
    entries.push(
      retrain
        ? {
            name: `${name} ms/step`,
            unit: 'ms',
            value: round(latency.p50),
            range: `± ${round(latency.rme, 2)}%`,
            extra: `median of ${latency.samples} training steps; extraction ${round(retrain.extraction.imagesPerSecond, 2)} images/s; time to retrain ${round(retrain.timeToRetrainMs, 0)} ms`,
          }
        : {
            name: `${name} p50`,
            unit: 'ms',
            value: round(latency.p50),
            range: `± ${round(latency.rme, 2)}%`,
            extra: `${latency.samples} samples; p90 ${round(latency.p90, 3)} ms; p99 ${round(latency.p99, 3)} ms; ${round(measurement.throughput, 2)} images/s`,
          },
    );
    entries.push({ name: `${name} load`, unit: 'ms', value: round(measurement.loadMs), extra: `first inference ${round(measurement.firstInferenceMs, 3)} ms` });
    if (measurement.evaluation) {
      entries.push({
        name: `${name} top-1 error`,
        unit: '%',
        value: round((1 - measurement.evaluation.accuracy) * 100, 3),
        extra: `accuracy ${round(measurement.evaluation.accuracy * 100, 3)}% on ${measurement.evaluation.images} images`,
      });
    }
  }
  for (const artifact of record.artifacts) {
    entries.push({ name: `${artifact.id} size`, unit: 'bytes', value: artifact.bytes, extra: `gzip ${artifact.gzipBytes} bytes` });
  }
  return entries;
}
