/**
 * What citty lets through: it ignores flags it does not know, so a misspelt
 * `--thread 2` ran with every core and said nothing. Every command's argv is
 * checked here against its argument definitions before it runs: an unknown
 * flag (with the closest known one), a flag without its value, an empty value
 * (`--out ""`, an unset variable) and a stray positional are each one line.
 */
import { parseArgs } from 'node:util';
import type { ArgsDef } from 'citty';

/** Options every command takes besides its own (cli.ts answers them). */
const BUILT_IN = ['help', 'h'];

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name (a flag, a command) closest to `name`, when it is close enough to be a slip (a third of its length, at least 2 edits). */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { flag: string; cost: number } | undefined;
  for (const flag of known) {
    const cost = flag.startsWith(name) || name.startsWith(flag) ? Math.min(1, distance(name, flag)) : distance(name, flag);
    if (!best || cost < best.cost) best = { flag, cost };
  }
  return best && best.cost <= Math.max(2, Math.floor(best.flag.length / 3)) ? best.flag : undefined;
}

/**
 * The first problem with `argv` for a command with these arguments, as one
 * line without the `error: ` prefix, or undefined when there is none.
 * `command`: its name for the message (`bench run`).
 */
export function argvProblem(argv: string[], args: ArgsDef, command: string): string | undefined {
  const entries = Object.entries(args);
  const strings = entries.filter(([, def]) => def.type === 'string' || def.type === 'enum').map(([name]) => name);
  const booleans = entries.filter(([, def]) => def.type === 'boolean').map(([name]) => name);
  const positionals = entries.filter(([, def]) => def.type === 'positional').map(([name]) => name);
  const known = [...strings, ...booleans];
  const options = Object.fromEntries([...strings.map((name) => [name, { type: 'string' as const }]), ...booleans.map((name) => [name, { type: 'boolean' as const }])]);
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  let seenPositionals = 0;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') break;
    if (token.kind === 'positional') {
      seenPositionals += 1;
      if (seenPositionals > positionals.length) {
        const takes = positionals.length ? `takes ${positionals.length} argument${positionals.length > 1 ? 's' : ''} (${positionals.map((name) => name.toUpperCase()).join(', ')})` : 'takes no arguments, only flags';
        return `unexpected argument ${JSON.stringify(token.value)}: ${command} ${takes}`;
      }
      continue;
    }
    const { name, rawName } = token;
    if (BUILT_IN.includes(name)) continue;
    // citty reads --no-<flag> as <flag> = false.
    if (name.startsWith('no-') && booleans.includes(name.slice(3))) continue;
    if (!known.includes(name)) {
      const near = closestName(name, known);
      return `unknown flag ${rawName} for ${command}${near ? `: did you mean --${near}?` : ''} (\`${command} --help\` lists its flags)`;
    }
    if (strings.includes(name)) {
      if (token.value === undefined) return `${rawName} needs a value`;
      if (token.value.trim() === '') return `${rawName} is empty (an unset variable?): give a value or leave the flag out`;
    } else if (token.inlineValue && token.value !== 'true' && token.value !== 'false') {
      return `${rawName} is a switch: it takes no value, or true/false (got ${JSON.stringify(token.value)})`;
    }
  }
  return undefined;
}
