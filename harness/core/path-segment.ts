/**
 * Names that become one folder or file name under the out folder (run ids,
 * model ids): letters, digits, `.`, `_` and `-`, starting with a letter or a
 * digit, at most 128 characters. So a run id or a model id read from a
 * record, a config or a flag can never climb out of its folder (`../x`),
 * name an absolute path, or hide a separator.
 */
import { UserError } from './errors.ts';

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isSafeSegment(value: unknown): value is string {
  return typeof value === 'string' && SAFE_SEGMENT.test(value);
}

/** The rule in words, for error messages and the config schema. */
export const SAFE_SEGMENT_RULE = 'letters, digits, ".", "_" and "-", starting with a letter or a digit, at most 128 characters';

/** Throws a UserError naming `what` (e.g. `model id`) unless `value` is one safe path segment. */
export function assertSafeSegment(value: string, what: string): string {
  if (!isSafeSegment(value)) throw new UserError(`${what} ${JSON.stringify(value)} is not a safe name (${SAFE_SEGMENT_RULE})`, 'UNSAFE_NAME');
  return value;
}
