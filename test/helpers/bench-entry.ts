/**
 * `bench` as harness/bin.js starts it, `main(process.argv.slice(2))`, but
 * compiled by the tests' own loader instead of tsx: for e2e tests where the
 * process is the point (a signal, kill -9, an exit code) and tsx's start
 * (~1 CPU s a process at load) is not. Start it with `benchProcessArgs`.
 */
import { main } from '../../harness/cli.ts';

process.exitCode = await main(process.argv.slice(2));
