import type { FixId, Report } from '@/lib/findings/types';
import type { ProfileCard } from '@/lib/iam/report';
import type { IamSourceInfo, PolicyDocument } from '@/lib/iam/types';

/** Client side of the dashboard's HTTP API (shared/RULES.md). Errors never carry the config text. */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** 429: the seconds the server asks to wait (its Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
    /** 410 from the share API: when the link expired (ISO 8601), when the server said. */
    readonly expiredAt?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface IamProfile {
  arn: string;
  name: string;
  roleName: string | null;
  usable: boolean;
}

export interface IamInfo {
  kind: 'demo' | 'snapshot' | 'live';
  label: string;
  /** Absent when the source could not tell (a live source without credentials). */
  accountId?: string;
  partition?: string;
  capturedAt?: string | null;
  /** Why this source is in use when it is not the one asked for (e.g. no credentials: demo). */
  note?: string;
  profiles: IamProfile[];
}

/** The IAM part of a validation: what the IAM panel shows. */
export interface IamOutcome {
  source: IamSourceInfo;
  cards: ProfileCard[];
  /** The least-privilege head-role policy, or null (no head, no known account). */
  policy: PolicyDocument | null;
  /** Worker roles that could not be resolved: the policy may lack their iam:PassRole. */
  policyGaps: string[];
}

/** One line of a streamed validation (`Accept: application/x-ndjson`). */
export type ValidateEvent =
  | { type: 'source'; source: IamSourceInfo }
  | { type: 'card'; card: ProfileCard }
  | { type: 'report'; report: Report; iam: IamOutcome | null }
  | { type: 'error'; error: string };

export interface ValidateResult {
  report: Report;
  /** null when the config was not checked against IAM (not AWS, not parseable). */
  iam: IamOutcome | null;
}

export interface Sample {
  id: string;
  title: string;
  description: string;
}

export interface AppliedFix {
  fix: string;
  ruleId: string;
  line: number;
  /** Older servers do not send it; with it, the fix can be rejected (`exclude`). */
  column?: number;
  description?: string;
  /** Made possible by another correction: it goes with that one. */
  followUp?: boolean;
}

/** Names one correction across runs: the finding it corrects, by rule and start. */
export function fixKey(f: { ruleId: string; line: number; column?: number }): string {
  return `${f.ruleId}:${f.line}:${f.column ?? 0}`;
}

/** A finding Fix did not correct: a credential it cannot remove, a correction it could not make. */
export interface SkippedFix {
  /** The correction that was not applied; absent when the finding has none. */
  fix?: string;
  ruleId: string;
  line: number;
  reason: string;
  /** The node type whose instance profile the user must choose for this correction. */
  chooseProfileFor?: string;
}

export interface FixResponse {
  text: string;
  applied: AppliedFix[];
  /** Older servers do not send it: read it through `skippedOf`. */
  skipped?: SkippedFix[];
}

/** The skipped list of a fix answer; [] when the server did not send one. */
export function skippedOf(res: FixResponse): SkippedFix[] {
  return Array.isArray(res.skipped) ? res.skipped : [];
}

/** One finding to fix, by rule id and start (1-based line, code-point column). */
export interface FixTargetBody {
  ruleId: string;
  line: number;
  column: number;
}

const MAX_ERROR_CHARS = 300;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

async function request(url: string, init?: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, cache: 'no-store' });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('Could not reach the Rayguard server. Is it running?', 0);
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`.trim();
    let expiredAt: string | undefined;
    try {
      const body: unknown = await res.json();
      if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
        message = `${res.status}: ${(body as { error: string }).error}`;
      }
      const at = (body as { expiredAt?: unknown } | null)?.expiredAt;
      if (res.status === 410 && typeof at === 'string' && ISO_TIME.test(at)) expiredAt = at;
    } catch {
      // Not JSON: keep the status line. The body is never shown (it could echo input).
    }
    if (message.length > MAX_ERROR_CHARS) message = `${message.slice(0, MAX_ERROR_CHARS)}…`;
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new ApiError(message, res.status, res.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined, expiredAt);
  }
  return res;
}

async function postJson<T>(url: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  return (await res.json()) as T;
}

export function validateText(text: string, fileName: string, signal?: AbortSignal): Promise<Report> {
  return postJson<Report>('/api/validate', { text, fileName }, signal);
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function isReport(v: unknown): v is Report {
  return isObject(v) && v.version === 1 && Array.isArray(v.files);
}

/** A line of the stream, checked enough that the dashboard can rely on its shape. */
function readEvent(line: string): ValidateEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ApiError('The server sent an unreadable validation answer.', 0);
  }
  if (!isObject(v)) return null;
  switch (v.type) {
    case 'source':
      return isObject(v.source) ? { type: 'source', source: v.source as unknown as IamSourceInfo } : null;
    case 'card':
      return isObject(v.card) && typeof v.card.id === 'string' ? { type: 'card', card: v.card as unknown as ProfileCard } : null;
    case 'report':
      if (!isReport(v.report)) throw new ApiError('The server sent an unreadable validation answer.', 0);
      return { type: 'report', report: v.report, iam: isObject(v.iam) && Array.isArray(v.iam.cards) ? (v.iam as unknown as IamOutcome) : null };
    case 'error':
      return { type: 'error', error: typeof v.error === 'string' ? v.error.slice(0, MAX_ERROR_CHARS) : 'the validation failed on the server' };
    default:
      // A kind of line this dashboard does not know (a newer server): skipped.
      return null;
  }
}

/**
 * Validation as a stream (POST /api/validate with `Accept: application/x-ndjson`): `onEvent` sees
 * the IAM source, then each profile's card as the server checks it (again when the head's
 * verdicts are known), then the report. Resolves with the report and its IAM part; rejects with
 * an ApiError for an HTTP error, an `error` line, or a stream that ends without a report.
 * A server that answers with plain JSON (no streaming) is read as the report.
 */
export async function validateStream(
  text: string,
  fileName: string,
  onEvent: (event: ValidateEvent) => void,
  signal?: AbortSignal,
  options: { iam?: boolean } = {},
): Promise<ValidateResult> {
  const res = await request('/api/validate', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
    body: JSON.stringify({ text, fileName, ...(options.iam === false ? { iam: false } : {}) }),
    signal,
  });
  if (!(res.headers.get('content-type') ?? '').includes('ndjson') || !res.body) {
    const body: unknown = await res.json().catch(() => null);
    if (!isReport(body)) throw new ApiError('The server sent an unreadable validation answer.', 0);
    const result: ValidateResult = { report: body, iam: null };
    onEvent({ type: 'report', ...result });
    return result;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let result = null as ValidateResult | null;
  const take = (line: string) => {
    if (!line.trim()) return;
    const event = readEvent(line);
    if (!event) return;
    if (event.type === 'error') throw new ApiError(`The server could not validate the config (${event.error}).`, 0);
    if (event.type === 'report') result = { report: event.report, iam: event.iam };
    onEvent(event);
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += value;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        take(line);
      }
    }
    take(buffered);
  } catch (e) {
    void reader.cancel().catch(() => {});
    if (e instanceof ApiError || (e instanceof DOMException && e.name === 'AbortError')) throw e;
    throw new ApiError('The connection to the Rayguard server broke during the validation.', 0);
  }
  if (!result) throw new ApiError('The server ended the validation without a report.', 0);
  return result;
}

export function fixText(
  text: string,
  options: { fixes?: FixId[]; profiles?: Record<string, string>; targets?: FixTargetBody[]; exclude?: FixTargetBody[] } = {},
  signal?: AbortSignal,
): Promise<FixResponse> {
  return postJson<FixResponse>('/api/fix', { text, ...options }, signal);
}

export async function getIam(signal?: AbortSignal): Promise<IamInfo> {
  return (await (await request('/api/iam', { signal })).json()) as IamInfo;
}

export async function getSamples(signal?: AbortSignal): Promise<Sample[]> {
  return (await (await request('/api/samples', { signal })).json()) as Sample[];
}

export async function getSampleText(id: string, signal?: AbortSignal): Promise<string> {
  return (await request(`/api/samples/${encodeURIComponent(id)}`, { signal })).text();
}

// ---------------------------------------------------------------------------------------------
// Share links (shared/RULES.md): only ciphertext goes up; the key never leaves the browser.

/** The answer to creating a stored link. The delete token is shown to its creator only. */
export interface CreatedShare {
  id: string;
  deleteToken: string;
  /** ISO 8601. */
  expiresAt: string;
}

export function createShareLink(ciphertext: string, expiresIn: number, signal?: AbortSignal): Promise<CreatedShare> {
  return postJson<CreatedShare>('/api/share', { ciphertext, expiresIn }, signal);
}

/** A stored link as the server has it: its ciphertext, or why there is none. */
export type ShareLookup =
  | { status: 'found'; ciphertext: string; createdAt: string; expiresAt: string }
  | { status: 'expired'; expiredAt?: string }
  | { status: 'missing' };

/** GET /api/share/ID: 404 and 410 are answers here, not errors. Network and other failures throw an ApiError. */
export async function getShareLink(id: string, signal?: AbortSignal): Promise<ShareLookup> {
  let res: Response;
  try {
    res = await request(`/api/share/${encodeURIComponent(id)}`, { signal });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { status: 'missing' };
    if (e instanceof ApiError && e.status === 410) return e.expiredAt ? { status: 'expired', expiredAt: e.expiredAt } : { status: 'expired' };
    throw e;
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('The server sent an unreadable share answer.', 0);
  }
  if (!isObject(body) || typeof body.ciphertext !== 'string' || typeof body.createdAt !== 'string' || typeof body.expiresAt !== 'string') {
    throw new ApiError('The server sent an unreadable share answer.', 0);
  }
  return { status: 'found', ciphertext: body.ciphertext, createdAt: body.createdAt, expiresAt: body.expiresAt };
}

/** DELETE /api/share/ID with the link's delete token; 'missing' when it was gone already. */
export async function deleteShareLink(id: string, deleteToken: string, signal?: AbortSignal): Promise<'deleted' | 'missing'> {
  try {
    await request(`/api/share/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { authorization: `Bearer ${deleteToken}` }, signal });
    return 'deleted';
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return 'missing';
    throw e;
  }
}

export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 413) return `the server refused the request as too large (${e.message}). Make the config smaller.`;
    return e.message;
  }
  return 'Unexpected error in the dashboard.';
}
