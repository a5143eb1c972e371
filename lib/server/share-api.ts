/**
 * The share API behind app/api/share (see shared/RULES.md, "Interfaces"):
 *
 *   POST   /api/share      {"ciphertext": "<base64url>", "expiresIn": seconds}
 *                          → 201 {"id", "deleteToken", "expiresAt"} | 400 | 413 | 415 | 429 (Retry-After)
 *   (any of them 503 when the store cannot be reached)
 *   GET    /api/share/ID   → 200 {"ciphertext", "createdAt", "expiresAt"} | 404 | 410 {"error", "expiredAt"}
 *   DELETE /api/share/ID   (Authorization: Bearer <deleteToken>) → 204 | 403 | 404
 *
 * The server sees only ciphertext. It stores the id, the ciphertext, the times, the size and the
 * SHA-256 of the delete token; the token itself is returned once, to the creator, and never kept.
 * Nothing here logs a ciphertext, a key or a token. Every answer carries `Cache-Control: no-store`,
 * `Referrer-Policy: no-referrer` and `X-Robots-Tag: noindex`.
 *
 * The clock, the store and the rate limiter are dependencies (`configureShareApi`), so tests
 * can move time and use a store of their own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../share/base64url';
import { envelopeProblem, MAX_SEALED_BYTES } from '../share/envelope';
import { isExpired, isShareId, type ShareStore } from '../share/store';
import { handle, HttpError, jsonError, readJsonObject } from './http';
import { serverShareStore } from './share-store';
import { rateKey, TokenBucketLimiter, trustedProxyHops } from './rate-limit';
import { rateLimits } from './config';
import { log } from './log';

export { TokenBucketLimiter } from './rate-limit';

/** Allowed lifetimes in seconds: 1 hour, 1 day, 7 days (default), 30 days. */
export const EXPIRY_CHOICES: readonly number[] = [3600, 86_400, 604_800, 2_592_000];
export const DEFAULT_EXPIRY_SECONDS = 604_800;
/** Longest accepted `ciphertext` string (MAX_SEALED_BYTES as base64url). */
export const MAX_CIPHERTEXT_CHARS = Math.ceil((MAX_SEALED_BYTES * 4) / 3);
/** Body limit: the ciphertext plus room for the JSON around it. */
const BODY_LIMIT = MAX_CIPHERTEXT_CHARS + 4096;
/** The expiry sweep runs at most this often (on create and get). */
export const SWEEP_INTERVAL_MS = 60_000;

export const SHARE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
};

// ---------------------------------------------------------------------------------------------
// Dependencies

export interface ShareApiDeps {
  store: () => Promise<ShareStore>;
  /** Milliseconds since the epoch. */
  now: () => number;
  limiter: TokenBucketLimiter;
  proxyHops: () => number;
}

const defaults = (): ShareApiDeps => ({
  store: serverShareStore,
  now: Date.now,
  limiter: new TokenBucketLimiter(rateLimits().sharePer10Minutes, 10 * 60_000),
  proxyHops: () => trustedProxyHops(),
});

let deps: ShareApiDeps = defaults();
let lastSweep = -Infinity;

/** Replaces some dependencies (tests); returns a function that restores the previous ones. */
export function configureShareApi(over: Partial<ShareApiDeps>): () => void {
  const saved = deps;
  const savedSweep = lastSweep;
  deps = { ...deps, ...over };
  lastSweep = -Infinity;
  return () => {
    deps = saved;
    lastSweep = savedSweep;
  };
}

// ---------------------------------------------------------------------------------------------
// Handlers

function withShareHeaders(res: Response): Response {
  for (const [k, v] of Object.entries(SHARE_HEADERS)) res.headers.set(k, v);
  return res;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...SHARE_HEADERS, ...headers } });
}

/** Runs a handler with the share headers on every answer, errors included. */
async function shareHandle(fn: () => Promise<Response>): Promise<Response> {
  return withShareHeaders(await handle(fn));
}

/**
 * A store call. A failing store (database down, disk full) answers 503, logged by error name and
 * code only: a driver message can quote connection details or parameters.
 */
async function stored<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof HttpError) throw e;
    const code = (e as { code?: unknown } | null)?.code;
    log('error', `share store: ${what} failed`, {
      error: e instanceof Error ? e.name : 'unknown',
      ...(typeof code === 'string' && /^[A-Z0-9_]{1,40}$/i.test(code) ? { code } : {}),
    });
    throw new HttpError(503, 'share storage is unavailable; try again later');
  }
}

export function hashDeleteToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** Purges expired links, at most once per SWEEP_INTERVAL_MS (one indexed statement or two). A failure is logged, not answered. */
async function maybeSweep(store: ShareStore, now: number): Promise<void> {
  if (now - lastSweep < SWEEP_INTERVAL_MS && now >= lastSweep) return;
  lastSweep = now;
  try {
    await store.sweep(now);
  } catch (e) {
    log('warn', 'share store: expiry sweep failed', { error: e instanceof Error ? e.name : 'unknown' });
  }
}

function expiresInOf(body: Record<string, unknown>): number {
  const v = Object.hasOwn(body, 'expiresIn') ? body.expiresIn : undefined;
  if (v === undefined || v === null) return DEFAULT_EXPIRY_SECONDS;
  if (typeof v !== 'number' || !EXPIRY_CHOICES.includes(v)) {
    throw new HttpError(400, `"expiresIn" must be one of ${EXPIRY_CHOICES.join(', ')} (seconds)`);
  }
  return v;
}

function ciphertextOf(body: Record<string, unknown>): Uint8Array {
  const v = Object.hasOwn(body, 'ciphertext') ? body.ciphertext : undefined;
  if (typeof v !== 'string' || v.length === 0) throw new HttpError(400, '"ciphertext" must be a non-empty base64url string');
  if (v.length > MAX_CIPHERTEXT_CHARS) throw new HttpError(413, `"ciphertext" is larger than ${MAX_SEALED_BYTES} bytes`);
  const bytes = decodeBase64url(v);
  if (!bytes) throw new HttpError(400, '"ciphertext" must be unpadded base64url');
  const problem = envelopeProblem(bytes);
  if (problem === 'too-large') throw new HttpError(413, `"ciphertext" is larger than ${MAX_SEALED_BYTES} bytes`);
  if (problem) throw new HttpError(400, '"ciphertext" is not a Rayguard share envelope');
  return bytes;
}

/** POST /api/share */
export function createShare(req: Request): Promise<Response> {
  return shareHandle(async () => {
    const d = deps;
    // The body is checked first: a malformed request never spends a link from the rate limit.
    const body = await readJsonObject(req, BODY_LIMIT);
    const ciphertext = ciphertextOf(body);
    const expiresIn = expiresInOf(body);
    const limited = d.limiter.take(rateKey(req, d.proxyHops()), d.now());
    if (!limited.ok) {
      return json(429, { error: `too many share links created; try again in ${limited.retryAfterSeconds} s` }, { 'Retry-After': String(limited.retryAfterSeconds) });
    }
    const store = await stored('open', d.store);
    const now = d.now();
    const id = randomBytes(16).toString('base64url');
    const deleteToken = randomBytes(32).toString('base64url');
    const expiresAt = now + expiresIn * 1000;
    await stored('create', () => store.create({ id, ciphertext, createdAt: now, expiresAt, deleteTokenHash: hashDeleteToken(deleteToken) }));
    await maybeSweep(store, now);
    return json(201, { id, deleteToken, expiresAt: new Date(expiresAt).toISOString() }, { Location: `/api/share/${id}` });
  });
}

/** GET /api/share/ID */
export function readShare(id: string): Promise<Response> {
  return shareHandle(async () => {
    if (!isShareId(id)) return jsonError(404, 'no such share link');
    const d = deps;
    const store = await stored('open', d.store);
    const now = d.now();
    const got = await stored('get', () => store.get(id, now));
    await maybeSweep(store, now);
    if (got === null) return jsonError(404, 'no such share link (it never existed or was deleted)');
    if (isExpired(got)) {
      return json(410, { error: 'this share link has expired; its data is no longer kept', expiredAt: new Date(got.expiresAt).toISOString() });
    }
    return json(200, {
      ciphertext: encodeBase64url(got.ciphertext),
      createdAt: new Date(got.createdAt).toISOString(),
      expiresAt: new Date(got.expiresAt).toISOString(),
    });
  });
}

/** DELETE /api/share/ID */
export function deleteShare(req: Request, id: string): Promise<Response> {
  return shareHandle(async () => {
    if (!isShareId(id)) return jsonError(404, 'no such share link');
    const m = /^Bearer[ \t]+([A-Za-z0-9_-]{1,128})[ \t]*$/i.exec(req.headers.get('authorization') ?? '');
    if (!m) return jsonError(403, 'send the delete token as "Authorization: Bearer <deleteToken>"');
    const store = await stored('open', deps.store);
    const result = await stored('delete', () => store.delete(id, hashDeleteToken(m[1])));
    if (result === 'missing') return jsonError(404, 'no such share link');
    if (result === 'forbidden') return jsonError(403, 'the delete token does not match this share link');
    return new Response(null, { status: 204, headers: SHARE_HEADERS });
  });
}

/** For the methods a share route does not serve: a JSON 405 with Allow and the share headers. */
export function shareMethodNotAllowed(allow: string): () => Response {
  return () => withShareHeaders(jsonError(405, `method not allowed; use ${allow}`, { Allow: allow }));
}
