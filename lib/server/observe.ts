/**
 * One wrapper for every API route: a request id (X-Request-Id), the per-client rate limit where
 * the route has one, and one structured log line per request: route, method, status, duration,
 * and finding counts when the route produced findings. Nothing from the body is logged.
 */
import { randomUUID } from 'node:crypto';
import { handle, jsonError } from './http';
import { log } from './log';
import { rateKey, TokenBucketLimiter } from './rate-limit';
import { requestUser } from './auth-gate';
import { rateLimits } from './config';
import type { Finding } from '../findings/types';

export interface RouteContext {
  requestId: string;
  /** Finding counts by severity, logged with the request. */
  counts?: Record<string, number>;
  /** A streamed answer: the log line is written by `finish()` when the stream ends. */
  deferLog(): { finish(counts?: Record<string, number>): void };
}

export function countFindings(findings: readonly Pick<Finding, 'severity'>[]): Record<string, number> {
  const out: Record<string, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

let apiLimiter: TokenBucketLimiter | null = null;

/** The validate/fix bucket: RAYGUARD_RATE_LIMIT requests per minute per client. */
function limiter(): TokenBucketLimiter {
  if (!apiLimiter) {
    apiLimiter = new TokenBucketLimiter(rateLimits().perMinute, 60_000);
  }
  return apiLimiter;
}

/** Tests: a limiter of their own (null: back to the settings). */
export function setApiLimiter(l: TokenBucketLimiter | null): void {
  apiLimiter = l;
}

export async function observe(
  req: Request,
  route: string,
  fn: (ctx: RouteContext) => Promise<Response>,
  opts: { rateLimited?: boolean } = {},
): Promise<Response> {
  const started = performance.now();
  const requestId = randomUUID();
  // who, when sign-in is on (docs/auth.md): the verified user name, never a credential
  const user = requestUser(req);
  let deferred = false;
  const ctx: RouteContext = {
    requestId,
    deferLog() {
      deferred = true;
      return { finish: (counts) => write(200, counts) };
    },
  };
  const write = (status: number, counts?: Record<string, number>) => {
    const level = status >= 500 ? 'error' : 'info';
    log(level, 'request', {
      requestId,
      route,
      method: req.method,
      status,
      ...(user ? { user } : {}),
      durationMs: Math.round(performance.now() - started),
      ...(counts ? { findings: counts } : {}),
    });
  };
  let res: Response;
  if (opts.rateLimited) {
    const taken = limiter().take(rateKey(req), Date.now());
    if (!taken.ok) {
      res = jsonError(429, `too many requests; try again in ${taken.retryAfterSeconds} s`, { 'Retry-After': String(taken.retryAfterSeconds) });
      res.headers.set('X-Request-Id', requestId);
      write(429);
      return res;
    }
  }
  res = await handle(() => fn(ctx));
  res.headers.set('X-Request-Id', requestId);
  if (!deferred || res.status !== 200) write(res.status, ctx.counts);
  return res;
}
