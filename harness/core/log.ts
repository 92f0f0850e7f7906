/**
 * Output for people and machines. Messages for people go to stderr, so that
 * with `--json` stdout carries exactly one JSON document (the command's result).
 * `--quiet` keeps warnings and errors; `--verbose` adds debug lines.
 * Every line and the JSON result pass through `redactText` (./redact.ts):
 * a farm key inside an error message or a URL is never printed.
 */
import { SingleBar, Presets } from 'cli-progress';
import { createColors } from 'picocolors';
import { redactText } from './redact.ts';

/** picocolors' colour functions, on or off. */
export type Colors = ReturnType<typeof createColors>;

/**
 * Whether text for a stream may carry colour escapes: never with `NO_COLOR`
 * (no-color.org: any non-empty value), always with `FORCE_COLOR` (unless
 * `0`/`false`), else only on a terminal that is not `TERM=dumb`. Decided per
 * stream: picocolors' own default looks at stdout only, so `bench run 2>log`
 * on a terminal wrote escapes into the log.
 */
export function colourWanted(isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return isTTY && env.TERM !== 'dumb';
}

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
  /** Colours for text this logger prints: off unless its stream takes them (colourWanted). */
  readonly colors: Colors;
}

export interface LoggerOptions {
  level?: LogLevel;
  json?: boolean;
  /** Where human output goes; stderr by default. Tests pass a collector. */
  write?: (text: string) => void;
  writeResult?: (text: string) => void;
  isTTY?: boolean;
  /** Colour escapes in messages; default colourWanted(isTTY). */
  color?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'normal';
  const json = options.json ?? false;
  const rawWrite = options.write ?? ((text: string) => process.stderr.write(text));
  const rawWriteResult = options.writeResult ?? ((text: string) => process.stdout.write(text));
  const write = (text: string) => rawWrite(redactText(text));
  const writeResult = (text: string) => rawWriteResult(redactText(text));
  const isTTY = options.isTTY ?? (options.write ? false : Boolean(process.stderr.isTTY));
  const line = (text: string) => write(`${text}\n`);
  const pc = createColors(options.color ?? colourWanted(isTTY));
  return {
    level,
    json,
    colors: pc,
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
