export type { SecretHit, SecretKind } from './types';
export { scanText, scanTextDetailed, type ScanHit, type ScanOptions } from './scan';
export { maskSecret, awsAccountIdFromKeyId } from './util';
export { RULES, type Rule } from './rules';

import { scanText as scan } from './scan';
import { maskSecret as mask } from './util';

/**
 * The text with every credential the scanner finds in it masked: for text that comes from
 * elsewhere (an IAM snapshot's policy names, an endpoint's error) before it reaches any output.
 */
export function maskDetectedSecrets(text: string): string {
  if (text.length < 16) return text;
  const hits = scan(text);
  if (hits.length === 0) return text;
  let out = '';
  let last = 0;
  for (const h of [...hits].sort((a, b) => a.start - b.start)) {
    if (h.start < last) continue;
    out += text.slice(last, h.start) + mask(text.slice(h.start, h.end));
    last = h.end;
  }
  return out + text.slice(last);
}
