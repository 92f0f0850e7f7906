/**
 * Secrets never leave the process: credentials in URLs (`https://USER:KEY@farm/wd/hub`)
 * and the values of secret capability keys (`sauce:options.accessKey`,
 * `bstack:options.accessKey`, `*:token` …) are replaced before anything is
 * written (run.json, report.html, markdown, --output files) or printed
 * (logs, warnings, errors, --json).
 *
 * Two layers, because neither alone is enough:
 * - structural: `redactConfig` walks a config (or any value) and blanks every
 *   secret key and every URL's credentials, whatever their values are;
 * - textual: `redactText` scrubs free text (error messages, stack traces,
 *   a farm's own log lines) of anything shaped like URL credentials and of
 *   every secret value the process was given (`registerSecrets`), so a
 *   library that echoes a key in its error message does not leak it either.
 *
 * Fails closed: a URL that does not parse is printed as `<redacted url>`.
 */

export const REDACTED = '<redacted>';
export const REDACTED_URL = '<redacted url>';

/** Values shorter than this are blanked structurally but not scrubbed from free text (it would shred ordinary words). */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * The secret values this process was given (URL credentials, secret
 * capabilities). Process-wide on purpose: every exit point (logger, CLI
 * error printer, record writer, reports) must scrub the same set, and
 * threading it through every layer would leave one exit point without it.
 */
const knownSecrets = new Set<string>();

/**
 * True for capability and option names that hold credentials: `accessKey`,
 * `key`, `password`, `token`, `apiKey`, `secret`, `authorization`, with or
 * without a vendor prefix (`sauce:`, `bstack:`, `lt:` …), any letter case,
 * `_`/`-` separators included (`access_key`, `api-key`, `testobject_api_key`).
 */
export function isSecretKey(name: string): boolean {
  const bare = name.replace(/^.*:/, '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (['key', 'auth', 'pass', 'pwd', 'passwd', 'password', 'passphrase', 'token', 'secret', 'credential', 'credentials', 'authorization', 'cookie'].includes(bare)) return true;
  return /(accesskey|apikey|secretkey|privatekey|authkey|licensekey|password|passwd|passphrase|token|secret|credentials?)$/.test(bare);
}

/**
 * A URL with its credentials (user info, secret query parameters such as
 * `?accessKey=`) replaced, or unchanged when it has none; `<redacted url>`
 * when it does not parse (it may hold a key in a shape we cannot see).
 */
export function redactUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return REDACTED_URL;
  }
  // An '@' the parser did not take for user info (`jane:key@hub` parses as scheme `jane:`): fail closed.
  if (value.includes('@') && !parsed.username && !parsed.password) return REDACTED_URL;
  const secretParams = [...parsed.searchParams.keys()].filter(isSecretKey);
  if (!parsed.username && !parsed.password && secretParams.length === 0) return value;
  for (const name of secretParams) parsed.searchParams.set(name, 'REDACTED');
  const hadUser = parsed.username !== '' || parsed.password !== '';
  parsed.username = '';
  parsed.password = '';
  const text = parsed.toString().replace(/REDACTED/g, REDACTED);
  // Keep the shape a reader expects (`https://<redacted>@host/…`), so it is clear credentials were there.
  return hadUser ? text.replace(/^([a-z][a-z0-9+.-]*:\/\/)/i, `$1${REDACTED}@`) : text;
}

/** Registers secret values to scrub from every text this process writes. */
export function registerSecrets(values: Iterable<string>): void {
  for (const value of values) {
    if (typeof value === 'string' && value.length >= MIN_SCRUBBED_LENGTH) knownSecrets.add(value);
  }
}

/** Forgets the registered secrets (tests). */
export function clearSecrets(): void {
  knownSecrets.clear();
}

/** `scheme://user:password@` or `scheme://token@` in free text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>`]+@/gi;

/** Free text with URL credentials and every registered secret replaced. */
export function redactText(text: string): string {
  let result = text.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
  for (const secret of knownSecrets) {
    if (!result.includes(secret)) continue;
    result = result.split(secret).join(REDACTED);
  }
  for (const secret of knownSecrets) {
    // The same value as it appears inside JSON or a URL (quotes, backslashes, percent-encoding).
    for (const form of [JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
      if (form !== secret && result.includes(form)) result = result.split(form).join(REDACTED);
    }
  }
  return result;
}

function looksLikeUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim());
}

/**
 * A deep copy of a config (or a part of one, such as capabilities) with
 * every secret key blanked, every URL's credentials removed and all other
 * strings scrubbed with `redactText`. Key names decide here, so use it on
 * configuration only: a run record's `key` fields are measurement keys.
 */
export function redactConfig<T>(value: T): T {
  return walkConfig(value, undefined) as T;
}

function walkConfig(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') {
    if (key !== undefined && isSecretKey(key)) return REDACTED;
    // appiumUrl is a URL whatever it looks like: one that does not parse is redacted whole.
    if (key === 'appiumUrl' || looksLikeUrl(value)) return redactText(redactUrl(value));
    return redactText(value);
  }
  if (Array.isArray(value)) return value.map((item) => walkConfig(item, undefined));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      // A secret key holding anything but a flag (`auth: { user, pass }`, a numeric key) is blanked whole.
      out[name] = isSecretKey(name) && item !== null && item !== undefined && typeof item !== 'boolean' ? REDACTED : walkConfig(item, name);
    }
    return out;
  }
  return value;
}

/** A deep copy of any JSON-like value with every string (not the keys) scrubbed with `redactText`. */
export function redactStrings<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return (value.some((item) => typeof item === 'object' || typeof item === 'string') ? value.map(redactStrings) : value) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) out[name] = redactStrings(item);
    return out as T;
  }
  return value;
}

/**
 * A run record as it may be written or rendered: its config redacted as a
 * config, every other string (error messages, stacks, device names) scrubbed.
 */
export function redactRecord<T extends { config?: unknown }>(record: T): T {
  return { ...redactStrings(record), ...('config' in record ? { config: redactConfig(record.config) } : {}) };
}

/**
 * The secret values inside a config: URL credentials (user, password, the
 * whole URL when it does not parse, secret query parameters) and the values
 * of secret keys at any depth. Registered by the CLI once the config is read.
 */
export function secretsIn(value: unknown, key?: string): string[] {
  const found: string[] = [];
  const visit = (item: unknown, name: string | undefined, underSecret: boolean): void => {
    if (typeof item === 'string') {
      if (underSecret || (name !== undefined && isSecretKey(name))) found.push(item);
      if (looksLikeUrl(item) || name === 'appiumUrl') found.push(...urlSecrets(item));
      return;
    }
    if (typeof item === 'number' && (underSecret || (name !== undefined && isSecretKey(name)))) {
      found.push(String(item));
      return;
    }
    if (Array.isArray(item)) {
      for (const element of item) visit(element, undefined, underSecret);
      return;
    }
    if (typeof item === 'object' && item !== null) {
      for (const [child, element] of Object.entries(item)) visit(element, child, underSecret || isSecretKey(child));
    }
  };
  visit(value, key, false);
  return [...new Set(found)];
}

function urlSecrets(value: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    // Cannot tell which part is the key: the whole string is secret.
    return [value];
  }
  if (value.includes('@') && !parsed.username && !parsed.password) return [value];
  const secrets: string[] = [];
  // The password; the user name only when it stands alone (`https://TOKEN@host`), else it is an account
  // name that may also appear in ordinary paths (/home/jane). URL-shaped text is scrubbed whole anyway.
  for (const part of parsed.password ? [parsed.password] : [parsed.username]) {
    if (!part) continue;
    secrets.push(part);
    try {
      secrets.push(decodeURIComponent(part));
    } catch {
      // Not percent-encoded text; the raw form is enough.
    }
  }
  for (const [name, item] of parsed.searchParams) if (isSecretKey(name) && item) secrets.push(item);
  // The URL as given is a secret too when it carries any.
  if (secrets.length) secrets.push(value);
  return secrets;
}
