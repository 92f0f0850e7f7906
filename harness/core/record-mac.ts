/**
 * Which run records this user's edgebench wrote. An earlier run's accuracy
 * is reused without evaluating again (harness/evaluation-reuse.ts), so a
 * run.json planted or edited in the out folder would otherwise put made-up
 * accuracy into a new record. Every run.json the harness writes gets a
 * keyed hash beside it, `run.json.mac`:
 *
 *   {"alg":"HMAC-SHA256","keyId":"<16 hex>","mac":"<64 hex>"}
 *
 * over the exact bytes of run.json. The key is 32 random bytes in the
 * user's private cache (core/private-dir.ts: `~/.cache/edgebench/keys/
 * run-record.key`, mode 0600, in a 0700 folder), never in the out folder,
 * so whoever can write the out folder but not read the key cannot make a
 * record that verifies. A sidecar rather than a field keeps the run-record
 * schema and its readers unchanged; a crash between the two writes leaves a
 * record that does not verify, which only costs a re-evaluation.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, lstatSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateCacheDir, privateFileProblem } from './private-dir.ts';
import { readFileNoFollow } from './safe-fs.ts';

export const MAC_SUFFIX = '.mac';
const KEY_FILE = 'run-record.key';
/** Bigger than any run.json we write (a record of thousands of measurements is a few MB). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface RecordKey {
  key: Buffer;
  /** The first 16 hex digits of the key's sha256: tells "another key" from "edited". */
  id: string;
}

/** The key, or why there is none (then records are written unsigned and nothing is reused). */
export type RecordKeyResult = RecordKey | { reason: string };

function fromHex(text: string, path: string): RecordKeyResult {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) return { reason: `${path} is not a key edgebench made (delete it to make a new one; earlier runs' accuracy is then evaluated again)` };
  const key = Buffer.from(hex, 'hex');
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

/** Reads the key at `path` if it is a regular file of ours that nobody else can read or write. */
function readKey(path: string): RecordKeyResult {
  const problem = privateFileProblem(path);
  if (problem) return { reason: `${path} cannot be trusted: ${problem}` };
  if ((lstatSync(path).mode & 0o077) !== 0) return { reason: `${path} cannot be trusted: others may read it (chmod 600 it, or delete it to make a new one)` };
  return fromHex(readFileSync(path, 'utf8'), path);
}

/** The key in `dir`, made (0600, published with an atomic link) when there is none. */
export function keyIn(dir: string): RecordKeyResult {
  const path = join(dir, KEY_FILE);
  try {
    return readKey(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { reason: `cannot read ${path}: ${(error as Error).message}` };
  }
  const temporary = join(dir, `.${KEY_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    try {
      linkSync(temporary, path);
    } catch (error) {
      // Another process made it first: theirs is the key.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return readKey(path);
  } catch (error) {
    return { reason: `cannot make ${path}: ${(error as Error).message}` };
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Not made.
    }
  }
}

/** This user's record key, from the private cache folder. */
export function recordKey(env: NodeJS.ProcessEnv = process.env): RecordKeyResult {
  const dir = privateCacheDir('keys', env);
  return 'reason' in dir ? { reason: dir.reason } : keyIn(dir.dir);
}

function hmac(key: RecordKey, bytes: Uint8Array): Buffer {
  return createHmac('sha256', key.key).update(bytes).digest();
}

/** The text of `run.json.mac` for these bytes of run.json. */
export function macText(key: RecordKey, bytes: Uint8Array): string {
  return `${JSON.stringify({ alg: 'HMAC-SHA256', keyId: key.id, mac: hmac(key, bytes).toString('hex') })}\n`;
}

/** Why `mac` (the text of run.json.mac, undefined when absent) does not vouch for `bytes`, or null when it does. */
export function macProblem(key: RecordKey, bytes: Uint8Array, mac: string | undefined): string | null {
  if (mac === undefined) return 'it has no run.json.mac (not written by this edgebench, or by a version before records were signed)';
  let parsed: { alg?: unknown; keyId?: unknown; mac?: unknown };
  try {
    parsed = JSON.parse(mac) as typeof parsed;
  } catch {
    return 'its run.json.mac is not one edgebench wrote';
  }
  if (parsed.alg !== 'HMAC-SHA256' || typeof parsed.mac !== 'string' || !/^[0-9a-f]{64}$/.test(parsed.mac)) return 'its run.json.mac is not one edgebench wrote';
  if (parsed.keyId !== key.id) return 'it was signed with another key (another user or machine)';
  return timingSafeEqual(Buffer.from(parsed.mac, 'hex'), hmac(key, bytes)) ? null : 'run.json was changed after edgebench wrote it';
}

/**
 * The bytes of the run.json at `path` when its run.json.mac verifies with
 * `key`, or why they cannot be trusted (a link, missing, edited, planted).
 */
export function readSignedRecord(path: string, key: RecordKeyResult): { bytes: Buffer } | { reason: string } {
  if ('reason' in key) return { reason: `no record key (${key.reason})` };
  let bytes: Buffer;
  try {
    bytes = readFileNoFollow(path, MAX_RECORD_BYTES);
  } catch (error) {
    return { reason: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  let mac: string | undefined;
  try {
    mac = readFileNoFollow(`${path}${MAC_SUFFIX}`, 4096).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { reason: `its run.json.mac cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const problem = macProblem(key, bytes, mac);
  return problem ? { reason: problem } : { bytes };
}
