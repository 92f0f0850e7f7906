/**
 * Output for people and machines. Messages for people go to stderr, so that
 * with `--json` stdout carries exactly one JSON document (the command's result).
 * `--quiet` keeps warnings and errors; `--verbose` adds debug lines.
 * Every line and the JSON result pass through `redactText` (./redact.ts):
 * a farm key inside an error message or a URL is never printed.
 */
import { SingleBar, Presets } from 'cli-progress';
import pc from 'picocolors';
import { redactText } from './redact.ts';
import { currentOutput, outputIsTerminal } from './output.ts';

export type LogLevel = 'quiet' | 'normal' | 'verbose';

export interface Progress {
  /** Advance by `n` (default 1); `detail` replaces the trailing text. */
  tick(n?: number, detail?: string): void;
  /** Finish; prints a one-line summary when not on a terminal. */
  done(summary?: string): void;
}

export interface Logger {
  readonly level: LogLevel;
  readonly json: boolean;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** A progress bar on a terminal; sparse lines (every ~10%) otherwise. */
  progress(label: string, total: number): Progress;
  /** The command's machine-readable result (stdout, only with --json). */
  result(value: unknown): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  /** Where human output goes; the CLI's stderr by default (core/output.ts). Tests pass a collector. */
  write?: (text: string) => void;
  writeResult?: (text: string) => void;
  isTTY?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'normal';
  const json = options.json ?? false;
  const output = currentOutput();
  const rawWrite = options.write ?? output.stderr;
  const rawWriteResult = options.writeResult ?? output.stdout;
  const write = (text: string) => rawWrite(redactText(text));
  const writeResult = (text: string) => rawWriteResult(redactText(text));
  const isTTY = options.isTTY ?? (options.write ? false : outputIsTerminal());
  const line = (text: string) => write(`${text}\n`);
  return {
    level,
    json,
    info: (message) => level !== 'quiet' && line(message),
    warn: (message) => line(pc.yellow(`warning: ${message}`)),
    error: (message) => line(pc.red(`error: ${message}`)),
    debug: (message) => level === 'verbose' && line(pc.dim(message)),
    progress: (label, total) => (level === 'quiet' ? silentProgress : isTTY ? barProgress(label, total) : lineProgress(label, total, line)),
    result: (value) => json && writeResult(`${JSON.stringify(value, null, 2)}\n`),
  };
}

const silentProgress: Progress = { tick() {}, done() {} };

function barProgress(label: string, total: number): Progress {
  const bar = new SingleBar(
    { format: `${label} {bar} {value}/{total} {eta_formatted} {detail}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  bar.start(total, 0, { detail: '' });
  return {
    tick: (n = 1, detail = '') => bar.increment(n, { detail }),
    done: () => bar.stop(),
  };
}

function lineProgress(label: string, total: number, line: (text: string) => void): Progress {
  let value = 0;
  let lastDecile = -1;
  const started = performance.now();
  return {
    tick(n = 1, detail = '') {
      value += n;
      const decile = total > 0 ? Math.floor((value / total) * 10) : 10;
      if (decile > lastDecile && decile < 10) {
        lastDecile = decile;
        line(`${label}: ${value}/${total}${detail ? ` ${detail}` : ''}`);
      }
    },
    done(summary) {
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      line(`${label}: ${summary ?? `${value}/${total}`} (${seconds} s)`);
    },
  };
}

/** A logger that records everything, for tests. */
export function memoryLogger(level: LogLevel = 'verbose'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (text) => lines.push(...text.trimEnd().split('\n')), writeResult: (text) => lines.push(text) });
  return Object.assign(logger, { lines });
}
