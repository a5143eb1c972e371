import { readFileSync } from 'node:fs';
import { demoIamSource } from '../iam/demo';
import { snapshotFromJson, SnapshotFormatError } from '../iam/snapshot';
import { HttpError } from './http';
import { IamUnavailableError, type IamSource, type IamSourceInfo } from '../iam/types';
import { UnavailableIamSource } from '../iam/unavailable';

/**
 * The server's IAM source, chosen once per process from the environment:
 *
 * - `RAYGUARD_IAM=auto` (default): the snapshot file named by `RAYGUARD_IAM_SNAPSHOT` if set;
 *   else the live account when the AWS SDK's default credential chain finds credentials (env,
 *   SSO, web identity, container or instance metadata); else the embedded demo account, with a
 *   note saying why.
 * - `RAYGUARD_IAM=live`: the live account; without credentials every check says RG307 and why.
 * - `RAYGUARD_IAM=snapshot` (needs `RAYGUARD_IAM_SNAPSHOT`) or `RAYGUARD_IAM=demo`.
 *
 * `RAYGUARD_ASSUME_ROLES` (JSON: `{"<account id>": {"roleArn": "...", "externalId": "..."}}`)
 * lets the live source check profiles of other accounts. `RAYGUARD_IAM_RETRY_MODE`
 * (standard|adaptive), `RAYGUARD_IAM_MAX_ATTEMPTS` (default 3), `RAYGUARD_IAM_TIMEOUT_MS`
 * (default 5000) and `RAYGUARD_IAM_CACHE_SECONDS` (default 60) tune it.
 */
let pending: Promise<IamSource> | null = null;

export function serverIamSource(): Promise<IamSource> {
  pending ??= chooseSource(process.env).catch((e: unknown) => {
    pending = null;
    throw e;
  });
  return pending;
}

/** Forget the chosen source (tests). */
export function resetServerIamSource(): void {
  pending = null;
}

/** The server's IAM settings are wrong: every route that needs IAM answers 503 saying which. */
export class IamConfigError extends HttpError {
  constructor(message: string) {
    super(503, `IAM is misconfigured on the server: ${message}`);
  }
}

function intEnv(env: Record<string, string | undefined>, name: string, min: number, max: number): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < min || n > max) throw new IamConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw.slice(0, 20)}")`);
  return n;
}

/** The live source's tuning from the environment. */
export function liveTuning(env: Record<string, string | undefined>): { retryMode?: 'standard' | 'adaptive'; maxAttempts?: number; timeoutMs?: number; ttlMs?: number } {
  const mode = env.RAYGUARD_IAM_RETRY_MODE?.trim().toLowerCase();
  if (mode && mode !== 'standard' && mode !== 'adaptive') throw new IamConfigError('RAYGUARD_IAM_RETRY_MODE must be standard or adaptive');
  const maxAttempts = intEnv(env, 'RAYGUARD_IAM_MAX_ATTEMPTS', 1, 10);
  const timeoutMs = intEnv(env, 'RAYGUARD_IAM_TIMEOUT_MS', 100, 120_000);
  const ttl = intEnv(env, 'RAYGUARD_IAM_CACHE_SECONDS', 0, 86_400);
  return {
    ...(mode ? { retryMode: mode as 'standard' | 'adaptive' } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(ttl !== undefined ? { ttlMs: ttl * 1000 } : {}),
  };
}

export function parseAssumeRoles(raw: string | undefined): Record<string, { roleArn: string; externalId?: string }> {
  if (!raw || !raw.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new IamConfigError('RAYGUARD_ASSUME_ROLES is not valid JSON (expected {"<account id>": {"roleArn": "...", "externalId": "..."}})');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new IamConfigError('RAYGUARD_ASSUME_ROLES must be a JSON object keyed by account id');
  const out: Record<string, { roleArn: string; externalId?: string }> = {};
  for (const [account, e] of Object.entries(v as Record<string, unknown>)) {
    const o = e as Record<string, unknown> | null;
    if (!/^\d{12}$/.test(account) || !o || typeof o.roleArn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(o.roleArn)) {
      throw new IamConfigError(`RAYGUARD_ASSUME_ROLES: entry "${account.slice(0, 20)}" needs a 12-digit account id and a role ARN in roleArn`);
    }
    out[account] = { roleArn: o.roleArn, ...(typeof o.externalId === 'string' ? { externalId: o.externalId } : {}) };
  }
  return out;
}

export async function chooseSource(env: Record<string, string | undefined>): Promise<IamSource> {
  const mode = (env.RAYGUARD_IAM ?? 'auto').trim().toLowerCase() || 'auto';
  const file = env.RAYGUARD_IAM_SNAPSHOT?.trim();
  if (!['auto', 'demo', 'live', 'snapshot'].includes(mode)) {
    throw new IamConfigError(`RAYGUARD_IAM must be auto, live, snapshot or demo (got "${mode.slice(0, 20)}")`);
  }
  if (mode === 'snapshot' && !file) throw new IamConfigError('RAYGUARD_IAM=snapshot needs RAYGUARD_IAM_SNAPSHOT=<path to a get-account-authorization-details JSON>');
  if (file && (mode === 'snapshot' || mode === 'auto')) {
    const name = file.split('/').pop() || 'IAM snapshot';
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new IamConfigError(`RAYGUARD_IAM_SNAPSHOT: cannot read ${name} (${(e as NodeJS.ErrnoException).code ?? 'read error'})`);
    }
    try {
      return snapshotFromJson(text, { label: name });
    } catch (e) {
      throw new IamConfigError(`RAYGUARD_IAM_SNAPSHOT: ${name}: ${e instanceof SnapshotFormatError ? e.message : 'unreadable'}`);
    }
  }
  if (mode === 'demo') return demoIamSource();
  const assumeRoles = parseAssumeRoles(env.RAYGUARD_ASSUME_ROLES);
  const tuning = liveTuning(env);
  try {
    const { createLiveIamSource } = await import('../iam/live');
    return await createLiveIamSource({ assumeRoles, ...tuning });
  } catch (e) {
    const reason = e instanceof IamUnavailableError ? e.reason : 'the live IAM source could not start';
    if (mode === 'live') return new UnavailableIamSource({ kind: 'live', label: 'live AWS account (unavailable)', note: reason }, reason);
    const demo = demoIamSource();
    const info = demo.info();
    (info as IamSourceInfo).note = `${reason}, so the embedded demo account is used. Configure AWS credentials (or set RAYGUARD_IAM_SNAPSHOT) to check your own account`;
    return demo;
  }
}
