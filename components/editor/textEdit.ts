/**
 * The smallest single replacement that turns `before` into `after`: the common prefix and suffix
 * stay, the middle is replaced. Offsets are UTF-16 code units (what Monaco's getPositionAt takes)
 * and never split a surrogate pair.
 */
export interface TextReplacement {
  start: number;
  /** Exclusive, in `before`. */
  end: number;
  text: string;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

export function minimalReplacement(before: string, after: string): TextReplacement | null {
  if (before === after) return null;
  const max = Math.min(before.length, after.length);
  let p = 0;
  while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
  // Do not end the prefix between the two halves of a surrogate pair.
  if (p > 0 && isHighSurrogate(before.charCodeAt(p - 1))) p--;
  let s = 0;
  const maxSuffix = max - p;
  while (s < maxSuffix && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
  if (s > 0 && isLowSurrogate(before.charCodeAt(before.length - s))) s--;
  return { start: p, end: before.length - s, text: after.slice(p, after.length - s) };
}
