/**
 * The cold estimate's probe until 2026-12-07 (harness/cold-estimate.ts
 * `cpuProbeMs`), as it was, kept for test/benchmarks/cpu-probe.bench.ts to
 * compare with: a scalar float32 matrix product, fastest of nine CPU-time
 * tries after a warm-up. Run as a script it prints its reading from a process
 * that has imported nothing else (its reading depends on what the process
 * has loaded: the reason it was replaced).
 */
export function scalarProbeMs(): number {
  const n = 160;
  const a = new Float32Array(n * n).map((_, index) => (index % 7) / 7);
  const b = new Float32Array(n * n).map((_, index) => (index % 5) / 5);
  const c = new Float32Array(n * n);
  const tries: number[] = [];
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const started = process.cpuUsage();
    for (let repeat = 0; repeat < 4; repeat += 1) {
      for (let i = 0; i < n; i += 1) {
        for (let k = 0; k < n; k += 1) {
          const scale = a[i * n + k]!;
          for (let j = 0; j < n; j += 1) c[i * n + j]! += scale * b[k * n + j]!;
        }
      }
    }
    const used = process.cpuUsage(started);
    if (attempt > 0) tries.push((used.user + used.system) / 1000);
  }
  // Read c so the work is never optimised away.
  if (Number.isNaN(c[0])) throw new Error('probe failed');
  return Math.min(...tries);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(scalarProbeMs());
