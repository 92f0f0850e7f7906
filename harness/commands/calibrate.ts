/**
 * `bench calibrate`: an A/A measurement. Runs the same benchmark several
 * times back to back (the same commit, nothing changed), estimates each key's
 * noise from those runs (between rounds, and from run to run) and stores it
 * in `<out>/calibration.json`, where `bench compare` finds it. Also shows what
 * an A/A comparison looks like: each run against the one before it.
 */
import { defineCommand } from 'citty';
import { commonArgs, countFlag, datasetArgs, setup, type CommandIo } from './common.ts';
import { runArgs, runOverrides } from './run.ts';
import { writeCalibration } from '../calibration.ts';
import type { RunRecord } from '../core/record.ts';
import { withInterrupt } from '../interrupt.ts';
import { compareRecords } from '../../reports/compare.ts';
import { calibrateNoise, coefficientOfVariation, MIN_RUNS_FOR_RUN_NOISE } from '../../reports/noise.ts';

/**
 * Compare holds each key to the 95% upper bound of its run-to-run noise, and
 * that bound is about 9 times the spread of the run means from 4 runs, 3 times
 * from 8, twice from 20: 8 runs give a floor a gate can use without taking
 * long (MobileNetV2 on Node at gate settings: about 3 minutes).
 */
const DEFAULT_CALIBRATION_RUNS = 8;

export default defineCommand({
  meta: { name: 'calibrate', description: "An A/A measurement: run the benchmark several times unchanged, and store each key's noise floor for bench compare" },
  args: {
    ...commonArgs,
    model: datasetArgs.model,
    runs: { type: 'string', description: `Runs of the same benchmark (default ${DEFAULT_CALIBRATION_RUNS}, at least ${MIN_RUNS_FOR_RUN_NOISE}: fewer cannot tell run-to-run noise)`, valueHint: 'n' },
    ...runArgs,
  },
  async run({ args, data }) {
    // Fewer than MIN_RUNS_FOR_RUN_NOISE runs cannot tell run-to-run noise.
    const runs = countFlag(args, 'runs', { min: MIN_RUNS_FOR_RUN_NOISE, max: 100, what: 'runs', code: 'CALIBRATE_RUNS' }) ?? DEFAULT_CALIBRATION_RUNS;
    // It writes run records like `bench run`: one writer per out folder, so a record left running is known abandoned.
    const context = await setup(args, runOverrides(args), data as CommandIo | undefined, { out: 'lock', command: 'bench calibrate' });
    const { config, log, out } = context;
    const { runBenchmarks } = await import('../run.ts');
    const { discoveringOnce, targetFactories } = await import('../targets.ts');
    // The runs share one Node target, discovered on the first: each run probed every runtime again (a worker, and
    // Dawn's adapter queries in processes of their own), seconds a run, for the same answer.
    const targets = { node: discoveringOnce(targetFactories.node) };
    return withInterrupt(log, async (signal) => {
      const records: RunRecord[] = [];
      for (let index = 1; index <= runs; index += 1) {
        log.info(`== A/A run ${index} of ${runs}`);
        const { record } = await runBenchmarks({ config, log, out, cwd: context.cwd, signal, targets });
        if (signal.aborted) break;
        records.push(record);
      }
      if (records.length < MIN_RUNS_FOR_RUN_NOISE) {
        log.error(`an A/A calibration needs ${MIN_RUNS_FOR_RUN_NOISE} complete runs; ${records.length} finished, nothing stored`);
        return 1;
      }
      const calibration = calibrateNoise(records);
      const path = await writeCalibration(out, calibration);
      // What an A/A comparison looks like once this calibration measures the noise (without it, the
      // run-to-run part is unknown and compare leaves every change inconclusive).
      log.info('== A/A comparisons (each run against the one before, with this calibration; nothing changed, so nothing should be flagged)');
      const pairs = records.slice(1).map((record, index) => compareRecords(records[index]!, record, config.compare, { calibration }));
      for (const comparison of pairs) {
        if (!comparison.comparable) continue;
        const { counts } = comparison;
        log.info(`${comparison.current.runId} vs ${comparison.baseline.runId}: ${counts.regressed} regressed, ${counts.improved} improved, ${counts.same} same, ${counts.inconclusive} inconclusive`);
      }
      log.info('== noise per key (between rounds; run to run beyond the rounds, and the 95% upper bound compare holds changes against; the floor: the change two runs of the same code stay inside 95% of the time)');
      const ids = Object.keys(calibration.keys);
      const width = Math.max(0, ...ids.map((id) => id.length));
      for (const id of ids) {
        const key = calibration.keys[id]!;
        const bound = coefficientOfVariation(key.run.upper ?? key.run.variance);
        log.info(`${id.padEnd(width)}  rounds ±${pct(coefficientOfVariation(key.round.variance))}  runs ±${pct(coefficientOfVariation(key.run.variance))} (95% bound ±${pct(bound)})  floor ±${pct(key.floor)}  (${key.runs} runs × ${key.rounds} rounds)`);
      }
      log.info(`calibration: ${path}`);
      log.result({ calibration: path, runs: calibration.runIds, keys: calibration.keys, comparisons: pairs });
      return 0;
    }).finally(() => context.lock?.release());
  },
});

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
