import type { RawFinding } from '../rules/types';

/**
 * A baseline: salted SHA-256 fingerprints of accepted findings, so that CI reports only new
 * ones. A credential's fingerprint comes from its kind and value (moving it does not make it
 * new); other findings' from rule id and YAML path. The file never holds a secret, and the
 * per-baseline random salt keeps its hashes from being looked up or compared across files.
 */
export interface Baseline {
  version: 1;
  salt: string;
  fingerprints: string[];
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

export function newSalt(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return hex(b.buffer);
}

export async function fingerprint(salt: string, r: RawFinding): Promise<string> {
  const identity = r.identity ?? `${r.ruleId}|${r.yamlPath}`;
  const data = new TextEncoder().encode(`${salt}\u0000${r.ruleId}\u0000${identity}`);
  return hex(await globalThis.crypto.subtle.digest('SHA-256', data));
}

export async function makeBaseline(raw: RawFinding[], salt = newSalt()): Promise<Baseline> {
  const fps = new Set<string>();
  for (const r of raw) fps.add(await fingerprint(salt, r));
  return { version: 1, salt, fingerprints: [...fps].sort() };
}

export class BaselineFormatError extends Error {}

export function parseBaseline(data: unknown): Baseline {
  const d = data as Partial<Baseline> | null;
  if (!d || typeof d !== 'object' || d.version !== 1 || typeof d.salt !== 'string' || !/^[0-9a-f]{16,128}$/.test(d.salt)
    || !Array.isArray(d.fingerprints) || !d.fingerprints.every((f) => typeof f === 'string' && /^[0-9a-f]{64}$/.test(f))) {
    throw new BaselineFormatError('not a rayguard baseline (expected {"version": 1, "salt": "...", "fingerprints": [...]}, as written by `rayguard baseline`)');
  }
  return d as Baseline;
}

/** The findings that are not in the baseline. */
export async function newFindings(raw: RawFinding[], baseline: Baseline): Promise<RawFinding[]> {
  const known = new Set(baseline.fingerprints);
  const out: RawFinding[] = [];
  for (const r of raw) if (!known.has(await fingerprint(baseline.salt, r))) out.push(r);
  return out;
}
