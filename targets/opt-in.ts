/**
 * Runtimes every target can run but a default run leaves out (harness/plan.ts):
 * available, named in `--backends` to measure them anyway.
 */

/**
 * TF.js's `cpu` backend is the plain-JavaScript reference implementation: no
 * SIMD, no threads, shipped by no one; on a 2-core machine it takes 1–2 s per
 * MobileNetV2 image and 7–18 s per InceptionV3 image, so it alone would spend
 * most of a default `bench all` on numbers no one acts on.
 */
export const TFJS_CPU_OPT_IN = "TF.js's plain-JavaScript reference backend (no SIMD, no threads: seconds per image), which no app ships";
