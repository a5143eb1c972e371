import type { FixId, Report } from '@/lib/findings/types';

/** Client side of the dashboard's HTTP API (shared/RULES.md). Errors never carry the config text. */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
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
  accountId: string;
  partition: string;
  capturedAt?: string | null;
  profiles: IamProfile[];
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
  description?: string;
}

/** A finding Fix did not correct: a credential it cannot remove, a correction it could not make. */
export interface SkippedFix {
  /** The correction that was not applied; absent when the finding has none. */
  fix?: string;
  ruleId: string;
  line: number;
  reason: string;
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
    try {
      const body: unknown = await res.json();
      if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
        message = `${res.status}: ${(body as { error: string }).error}`;
      }
    } catch {
      // Not JSON: keep the status line. The body is never shown (it could echo input).
    }
    if (message.length > MAX_ERROR_CHARS) message = `${message.slice(0, MAX_ERROR_CHARS)}…`;
    throw new ApiError(message, res.status);
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

export function fixText(
  text: string,
  options: { fixes?: FixId[]; profiles?: Record<string, string>; targets?: FixTargetBody[] } = {},
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

export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 413) return `the server refused the request as too large (${e.message}). Make the config smaller.`;
    return e.message;
  }
  return 'Unexpected error in the dashboard.';
}
