/**
 * The A/B's own defaults (config `ab`): a 2% min effect and alpha 0.05, not
 * compare's 5% and 0.01. With compare's, a true 5% slowdown measured as
 * tightly as 4 quiet processes measure it was inconclusive (its ratio on the
 * 5% band, and t with 3 degrees of freedom past 5.8 for 0.01); with the A/B's
 * it is regressed, and a 1% shift stays the same. The flags set them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { abOptions } from '../../harness/ab.ts';
import { parseConfig } from '../../harness/core/config.ts';
import { pairedRatio, type ProcessPairs } from '../../harness/core/paired.ts';
import { abVerdict } from '../../reports/ab.ts';
import { bench } from '../helpers/cli.ts';

/**
 * Four processes of 12 pairs whose B is `factor` × A; each process's median
 * log-ratio moved by `spread` (as a quiet 2-core machine's processes moved:
 * about 1% apart), so the interval is as wide as measured there.
 */
function processes(factor: number, spread = [0.012, -0.01, 0.004, -0.006]): ProcessPairs[] {
  return spread.map((shift) => ({ a: Array.from({ length: 12 }, () => 60), b: Array.from({ length: 12 }, () => 60 * factor * Math.exp(shift)) }));
}

test('the defaults call a measured 5% slowdown regressed and a 1% shift the same; compare\'s settings would leave the 5% undecided', () => {
  const defaults = abOptions(parseConfig({}));
  assert.deepEqual([defaults.minEffect, defaults.alpha], [0.02, 0.05]);
  const five = pairedRatio(processes(1.05));
  assert.ok(five.low > 1.03 && five.high < 1.07, `${five.low}–${five.high}`);
  assert.equal(abVerdict([{ key: 'five', estimate: five }], defaults).keys[0]!.verdict, 'regressed');
  assert.equal(abVerdict([{ key: 'one', estimate: pairedRatio(processes(1.01, [0.002, -0.002, 0.001, -0.001])) }], defaults).keys[0]!.verdict, 'same');
  const compareLike = abVerdict([{ key: 'five', estimate: five }], { minEffect: 0.05, alpha: 0.01 }).keys[0]!;
  assert.equal(compareLike.verdict, 'inconclusive', compareLike.reason);
});

test('the config and --min-effect/--alpha set them; alpha is split over the adaptive stop\'s looks', () => {
  const config = parseConfig({ ab: { minEffect: 0.03, alpha: 0.1 } });
  assert.deepEqual([abOptions(config).minEffect, abOptions(config).alpha, abOptions(config, 4).alpha], [0.03, 0.1, 0.025]);
  assert.throws(() => parseConfig({ ab: { minEffect: 0 } }), /minEffect/);
});

test('--threshold is compare\'s flag: an A/B run refuses it as any unknown flag (exit 2) and lists --min-effect in its help', async () => {
  const result = await bench(['ab', '--baseline', '.', '--threshold', '0.05']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /unknown flag --threshold for bench ab/);
  const help = await bench(['ab', '--help']);
  assert.match(help.stdout + help.stderr, /--min-effect/);
});
