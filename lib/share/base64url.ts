/**
 * Base64url without padding (RFC 4648 §5), strict: only the URL-safe alphabet, no `=`, no
 * whitespace, and the unused low bits of the last character must be zero, so every byte string
 * has exactly one accepted spelling. Pure: runs in the browser, in workers and in Node.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const INDEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) t[ALPHABET.charCodeAt(i)] = i;
  return t;
})();

export function encodeBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63];
  }
  return out;
}

/** Bytes a base64url string of `length` characters decodes to (it need not be valid). */
export function decodedLength(length: number): number {
  return Math.floor((length * 6) / 8);
}

/** True when `s` is canonical unpadded base64url (the empty string included). */
export function isBase64url(s: string): boolean {
  return decodeBase64url(s) !== undefined;
}

/** The bytes of a canonical unpadded base64url string, or undefined when it is not one. */
export function decodeBase64url(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (s.length % 4 === 1) return undefined;
  const out = new Uint8Array(decodedLength(s.length));
  let buf = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? INDEX[c] : -1;
    if (v < 0) return undefined;
    buf = ((buf << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buf >> bits) & 0xff;
    }
  }
  // Leftover bits (2 or 4) must be zero: otherwise two strings would decode to the same bytes.
  if (bits > 0 && (buf & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
