/**
 * What runs .tflite files on a native engine of the host (tfjs-tflite-node
 * with XNNPACK: targets/node/tflite-host.ts implements it; models/ does not
 * import targets/, so the harness passes it in). Bottlenecks
 * (models/feature-engine.ts) and int8 calibration (./native-calibration.ts)
 * run float32 files on it.
 */

/** A session on a float32 .tflite: normalised float32 input (batch × H × W × C) in, every output read back. */
export interface TfliteRunnerSession {
  run(input: Float32Array): Promise<Float32Array[]>;
  dispose(): void;
}

/** Runs .tflite files on a native engine of the host. */
export interface TfliteRunner {
  /** Kept in metadata.json, e.g. `tflite-node`. */
  name: string;
  /** The host's cores. */
  cores: number;
  /** How it runs, for the log: `XNNPACK, 2 interpreters of 1 thread in parallel`. */
  describe(how: { threads: number; instances: number }): Promise<string>;
  /**
   * A session of `instances` interpreters (default 1) of `threads` threads
   * each; with several, concurrent `run` calls go to them in parallel.
   */
  open(bytes: Uint8Array, options: { batchSize: number; threads: number; instances?: number }): Promise<TfliteRunnerSession>;
}
