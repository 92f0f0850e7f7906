/**
 * Figures shipped with edgebench so that a cold folder (nothing built, no
 * history) still gets an honest plan: what each part of a default `bench all`
 * took on one real run, on the machine named here, with that machine's speed
 * probe (./speed-probe.ts; ./cold-estimate.ts scales them by this host's
 * probe against it).
 * Every estimate made from them says "shipped". `npm run benchmark:all`
 * prints a fresh copy of this object from its cold run, to paste here.
 */

export interface ShippedEstimates {
  /** Where and how the figures were measured. */
  measured: { date: string; cpu: string; cores: number; how: string; rounds: number; imagesPerClass: number };
  /** The speed probe on that machine (./speed-probe.ts `speedProbe`), ms per block. */
  probeMs: number;
  /** Making and scanning the generated dataset, seconds. */
  datasetSeconds: number;
  /** Host work per model, seconds: bottlenecks (with the backbone's conversion), head training, conversion of every variant. */
  host: Record<string, { bottlenecks: number; training: number; conversion: number }>;
  /** Each job's wall time, all its rounds, by runtime class: `artifact@target/runtime#batch`, a browser's with its engine (`@browser:firefox/`), `+retrain` for retrain jobs (./cold-estimate.ts `jobClass`). */
  jobs: Record<string, number>;
}

export const SHIPPED: ShippedEstimates = {
  measured: {
    date: '2026-12-06',
    cpu: 'AMD EPYC (2 cores, no GPU)',
    cores: 2,
    // The conversion line of that run covered both models (76.8 s): it is shared here in proportion to their bottleneck time.
    how: 'a cold `bench all` on the default (run 2026-12-06T15-16-25-657Z-07e1a8, the machine shared with other work)',
    rounds: 2,
    imagesPerClass: 120,
  },
  // The probe (./speed-probe.ts: one MobileNetV2 block on tflite-node, XNNPACK, one thread), ms per block,
  // about the median of 52 readings on this kind of machine (2-core AMD EPYC, no SMT sibling visible; the
  // real work as fast as in that run: MobileNetV2 bottlenecks 79 against 78 images/s) on 2026-12-07 beside
  // the other engineers' work (load 9-12). In CPU time alone: 0.175-0.188 in five fresh processes of six
  // (one 0.241), 0.180-0.186 in three of six beside a nice-10 busy loop (the others 0.208-0.238),
  // 0.186-0.217 and 0.191-0.221 in two runs of `npm run benchmark:probe` (twelve rounds each, at rest and
  // beside scalar and tflite-node loads). As it reads now (the lesser of wall and CPU time): 0.184-0.191 in
  // four fresh processes, 0.187-0.256 (median 0.194) in a benchmark:probe run at load 11-12. The scalar
  // probe it replaced was 23.5 ms here when these figures were made, and read ~26 ms or 36-42 ms in fresh
  // processes the day after, 35-56 ms in one that had imported TF.js: V8, not the CPU.
  probeMs: 0.19,
  datasetSeconds: 14.8,
  host: {
    mobilenet_v2: { bottlenecks: 11.1, training: 6.1, conversion: 12 },
    inception_v3: { bottlenecks: 60.0, training: 8.6, conversion: 64.8 },
  },
  jobs: {
    'mobilenet_v2/tfjs/float32@node/tfjs-wasm#1': 10.6,
    'mobilenet_v2/tflite/float32@node/tflite-node#1': 3.8,
    'mobilenet_v2/tflite/float16@node/tflite-node#1': 3.4,
    'mobilenet_v2/tflite/int8-dynamic@node/tflite-node#1': 12.4,
    'mobilenet_v2/tflite/int8@node/tflite-node#1': 3.3,
    'mobilenet_v2/tfjs/float32@browser:chromium/tfjs-wasm#1': 8.7,
    'mobilenet_v2/tflite/float32@browser:chromium/litert-wasm#1': 6.4,
    'mobilenet_v2/tflite/float16@browser:chromium/litert-wasm#1': 16.5,
    'mobilenet_v2/tflite/int8-dynamic@browser:chromium/litert-wasm#1': 14.3,
    'mobilenet_v2/tflite/int8@browser:chromium/litert-wasm#1': 6.3,
    'mobilenet_v2/tfjs/float32@node/tfjs-wasm#100+retrain': 9.9,
    'mobilenet_v2/tfjs/float32@browser:chromium/tfjs-wasm#100+retrain': 8.3,
    'inception_v3/tfjs/float32@node/tfjs-wasm#1': 35.0,
    'inception_v3/tflite/float32@node/tflite-node#1': 10.6,
    'inception_v3/tflite/float16@node/tflite-node#1': 11.0,
    'inception_v3/tflite/int8-dynamic@node/tflite-node#1': 21.7,
    'inception_v3/tflite/int8@node/tflite-node#1': 7.1,
    'inception_v3/tfjs/float32@browser:chromium/tfjs-wasm#1': 33.3,
    'inception_v3/tflite/float32@browser:chromium/litert-wasm#1': 25.5,
    'inception_v3/tflite/float16@browser:chromium/litert-wasm#1': 76.6,
    'inception_v3/tflite/int8-dynamic@browser:chromium/litert-wasm#1': 12.5,
    'inception_v3/tflite/int8@browser:chromium/litert-wasm#1': 11.2,
    // Firefox and WebKit (the extra engines' default: MobileNetV2's float32 of each path) from run
    // 2026-12-06T21-10-57-244Z-7d2e79 on the same machine, quiet (`bench all --model mobilenet_v2`, 88 images evaluated).
    'mobilenet_v2/tfjs/float32@browser:firefox/tfjs-wasm#1': 9.1,
    'mobilenet_v2/tflite/float32@browser:firefox/litert-wasm#1': 5.7,
    'mobilenet_v2/tfjs/float32@browser:webkit/tfjs-wasm#1': 11.3,
    'mobilenet_v2/tflite/float32@browser:webkit/litert-wasm#1': 6.7,
    'inception_v3/tfjs/float32@node/tfjs-wasm#100+retrain': 42.3,
    'inception_v3/tfjs/float32@browser:chromium/tfjs-wasm#100+retrain': 35.7,
  },
};
