/**
 * `bench` as harness/bin.js runs it, under the tests' own loader instead of
 * tsx: the same `main` with the process's argv, streams and exit code, so
 * the process's own signal handlers, exit guard and exit code are the CLI's.
 * Started through ./bench-child.ts (`startBench`, `BENCH_NODE_ARGS`,
 * `benchProcessArgs`) by the tests whose point is a process of its own
 * (signals, kill -9, an exit code, a fresh process's state); registering tsx
 * and compiling the harness through it cost each start ~1 s of CPU more.
 */
import { main } from '../../harness/cli.ts';

process.exitCode = await main(process.argv.slice(2));
