/**
 * Binary search over `n` items whose keys ascend: the one search the position model, the
 * document locator, the scanner and the fixer share. `key(i)` is the i-th item's key.
 */

/** The first index whose key is greater than `x` (= how many keys are <= x). */
export function firstAbove(n: number, key: (i: number) => number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(mid) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose key is at least `x` (= how many keys are < x). */
export function firstAtOrAbove(n: number, key: (i: number) => number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(mid) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last index whose key is at most `x`, or -1. */
export function lastAtOrBefore(n: number, key: (i: number) => number, x: number): number {
  return firstAbove(n, key, x) - 1;
}
