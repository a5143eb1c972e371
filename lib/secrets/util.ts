/**
 * Small pure helpers shared by the secret rules: entropy, placeholder detection, decoders,
 * masking and the offline AWS account decode. No Node-only APIs (runs in browsers and workers).
 */

/** Shannon entropy in bits per character. */
const ENTROPY_COUNTS = new Int32Array(128);

export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = ENTROPY_COUNTS;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) counts[c]++;
    else (other ??= new Map()).set(c, (other.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) continue;
    const k = counts[c];
    if (k > 0) {
      h -= (k / n) * Math.log2(k / n);
      counts[c] = 0; // each distinct character counted once, and the table is left clean
    }
  }
  if (other) for (const k of other.values()) h -= (k / n) * Math.log2(k / n);
  return h;
}

/** Character classes present in a value (lower, upper, digit, other). */
export function charClasses(s: string): { lower: boolean; upper: boolean; digit: boolean; other: boolean; count: number } {
  let lower = false;
  let upper = false;
  let digit = false;
  let other = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
    else other = true;
  }
  return { lower, upper, digit, other, count: +lower + +upper + +digit + +other };
}

/** True when `s` contains a run of `len` characters that step by +1 or -1 (abcdef, 654321). */
export function hasSequentialRun(s: string, len = 6): boolean {
  let up = 1;
  let down = 1;
  for (let i = 1; i < s.length; i++) {
    const d = s.charCodeAt(i) - s.charCodeAt(i - 1);
    const alnum = /[A-Za-z0-9]/.test(s[i]);
    up = d === 1 && alnum ? up + 1 : 1;
    down = d === -1 && alnum ? down + 1 : 1;
    if (up >= len || down >= len) return true;
  }
  return false;
}

/** The AWS documentation example credentials: never findings, matched exactly. */
export const AWS_DOC_EXAMPLES: ReadonlySet<string> = new Set([
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AKIAI44QH8DHBEXAMPLE',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
]);

/** Whole values that are well-known defaults or words, not credentials. */
const DEFAULT_VALUES: ReadonlySet<string> = new Set([
  'password', 'passwd', 'pass', 'secret', 'changeme', 'change_me', 'change-me', 'replace_me',
  'replaceme', 'replace-me', 'test', 'testing', 'example', 'sample', 'dummy', 'none', 'null', 'nil',
  'true', 'false', 'yes', 'no', 'required', 'optional', 'string', 'hidden', 'redacted', 'masked',
  'minioadmin', 'guest', 'admin', 'root', 'postgres', 'mysql', 'redis', 'ubuntu', 'default',
  'x-oauth-basic', 'oauth2', 'token', 'apikey', 'api_key', 'secretkey', 'undefined', 'empty',
  'todo', 'tbd', 'fixme', 'your_password', 'yourpassword', 'mypassword', 'letmein', 'foobar',
  // Ray's documented default Redis password
  '5241590000000000',
]);

/** Substrings (case-insensitive) that mark a placeholder rather than a credential. */
const PLACEHOLDER_WORDS = /example|sample|placeholder|replace[_-]?me|change[_-]?me|your[_-]|dummy|redacted|insert[_-]|paste[_-]|fake[_-]|<|>|^\.\.\.|\.\.\.$|…/gi;

/**
 * A placeholder word is written in one case (`dummy`, `DUMMY`, `Dummy`, `ReplaceMe`); the same
 * letters in random case (`dUMMy`) occur by chance in about one random 40-character token in a
 * million, and are not a placeholder.
 */
function placeholderWordIn(v: string): boolean {
  for (const m of v.matchAll(PLACEHOLDER_WORDS)) {
    const w = m[0].replace(/[_-]/g, '');
    if (w === w.toLowerCase() || w === w.toUpperCase() || /^(?:[A-Z][a-z]+)+$/.test(w)) return true;
  }
  return false;
}

/**
 * True for values that are references or placeholders, not literal credentials:
 * `$VAR`, `${VAR}`, `$(cmd)`, `{{ x }}`, `<...>`, `%s`, `@VAR@`, `xxxx`, `****`, `REPLACE_ME`, `changeme`, …
 */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (v.startsWith('$') || v.includes('${') || v.includes('$(')) return true;
  if (v.includes('{{') || v.includes('}}') || /^\{[^}]*\}$/.test(v)) return true;
  if (/^%[A-Za-z_]+%$|^@[A-Za-z_]+@$|%\(?[a-z_]*\)?s/.test(v)) return true;
  // runs of 6 (a random 40-char base64 token holds XXXX about once in 200,000 and XXXXX about
  // once in 15 million; XXXXXX once in a billion)
  // (an ellipsis counts only at either end: `abc...` is elided, `a...b` can be a random password)
  if (/x{6,}|X{6,}|\*{3,}|#{4,}|^\.{3,}|\.{3,}$|_{4,}|-{4,}|0{6,}/.test(v) && !/^-----BEGIN/.test(v)) return true;
  if (DEFAULT_VALUES.has(v.toLowerCase())) return true;
  if (placeholderWordIn(v)) return true;
  // a single repeated character
  if (/^(.)\1*$/.test(v)) return true;
  return false;
}

/** True when the value looks like hex only (hashes, git SHAs, digests). */
export function isHex(value: string): boolean {
  return /^[0-9a-fA-F]+$/.test(value);
}

/** Decode the three percent escapes that can occur inside base64 (`%2B`, `%2F`, `%3D`). */
export function decodeBase64PercentEscapes(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%2[Bb]/g, '+').replace(/%2[Ff]/g, '/').replace(/%3[Dd]/g, '=');
}

/** Percent-decode a URL component; returns the input unchanged when it is not valid. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const B64_INDEX: Int16Array = (() => {
  const t = new Int16Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

/**
 * Decode standard base64 (padding optional) to a latin-1 string of bytes, or undefined if the
 * input is not base64. `maxOut` stops decoding early (used to sniff the first bytes cheaply).
 */
export function decodeBase64(s: string, maxOut = Infinity): string | undefined {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61 /* = */) end--;
  if (s.length - end > 2) return undefined;
  if (end % 4 === 1) return undefined;
  const out: number[] = [];
  let buf = 0;
  let bits = 0;
  for (let i = 0; i < end && out.length < maxOut; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) return undefined;
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((buf >> bits) & 0xff);
    }
  }
  let str = '';
  const CHUNK = 8192;
  for (let i = 0; i < out.length; i += CHUNK) str += String.fromCharCode(...out.slice(i, i + CHUNK));
  return str;
}

/** Fraction of characters that are printable ASCII or common whitespace. */
export function printableRatio(s: string): number {
  if (s.length === 0) return 0;
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) ok++;
  }
  return ok / s.length;
}

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(s: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) crc = CRC_TABLE[(crc ^ s.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  while (v > 0) {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0');
}

/** Classic GitHub tokens (`ghp_` + 36): the last 6 characters are base62(CRC32(the 30 before)). */
export function githubClassicChecksumOk(token: string): boolean {
  const body = token.slice(4);
  if (body.length !== 36) return false;
  return base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

/**
 * Mask a secret for display. Values of 16+ characters keep the first 4 and last 4 characters
 * (`AKIA…7Q2X`); shorter values keep at most a third of their characters, split between both ends.
 */
export function maskSecret(value: string): string {
  const n = value.length;
  if (n >= 16) return `${value.slice(0, 4)}…${value.slice(-4)}`;
  const keep = Math.floor(n / 3);
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return `${value.slice(0, head)}…${tail > 0 ? value.slice(-tail) : ''}`;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The AWS account id encoded in an AKIA/ASIA (also ABIA/ACCA) key id, decoded offline:
 * drop the 4-letter prefix, base32-decode the rest, take the first 6 bytes as a 48-bit
 * big-endian number and keep bits 7..46. Old ids whose fifth character is I or J do not
 * encode the account: undefined. Returns a 12-digit zero-padded string.
 */
export function awsAccountIdFromKeyId(keyId: string): string | undefined {
  if (!/^(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}$/.test(keyId)) return undefined;
  if (keyId[4] === 'I' || keyId[4] === 'J') return undefined;
  // 16 base32 chars = 80 bits; the first 48 bits are the first 10 chars (50 bits) >> 2.
  let z = 0;
  for (let i = 4; i < 14; i++) z = z * 32 + B32.indexOf(keyId[i]);
  z = Math.floor(z / 4); // 48-bit value, exact in a double
  const account = Math.floor(z / 128) % 2 ** 40; // bits 7..46
  // 40 bits reach 13 digits; an id that decodes past 12 is not a key id AWS issued.
  if (account > 999_999_999_999) return undefined;
  return String(account).padStart(12, '0');
}

/**
 * Hex escapes as YAML double-quoted scalars and printf write them, without the backslash:
 * `x41`, `u0041`, `U00000041`. One grammar for the scanner's view and the fix's command reader.
 */
export const HEX_ESCAPE = String.raw`x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}`;

/** The code point of a HEX_ESCAPE match (backslash excluded). */
export function hexEscapeCode(escape: string): number {
  return parseInt(escape.slice(1), 16);
}

/** A lookup table over ASCII: 1 for each character of `chars`. */
export function asciiTable(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
}

/**
 * Maximal runs of at least `min` characters that are 1 in `table` (ASCII only). Reads about one
 * character in `min` where there are none: a run of `min` covers every `min`-th position.
 */
export function* runsOf(text: string, table: Uint8Array, min: number): Iterable<[start: number, end: number]> {
  const n = text.length;
  let i = 0; // the character before i is never a member, so a run found at i starts there
  while (i + min <= n) {
    let c = text.charCodeAt(i + min - 1);
    if (c >= 128 || table[c] !== 1) {
      i += min;
      continue;
    }
    let j = i + min - 2;
    for (; j >= i; j--) {
      c = text.charCodeAt(j);
      if (c >= 128 || table[c] !== 1) break;
    }
    if (j >= i) {
      i = j + 1;
      continue;
    }
    let e = i + min;
    for (; e < n; e++) {
      c = text.charCodeAt(e);
      if (c >= 128 || table[c] !== 1) break;
    }
    yield [i, e];
    i = e + 1;
  }
}
