/**
 * Signed cookies: `v1.<base64url JSON payload>.<base64url HMAC-SHA256>`. The MAC covers a purpose
 * label as well as the payload, so a sign-in-in-progress cookie can never pass as a session. Every
 * payload carries an expiry (`exp`, seconds since the epoch) that verification enforces.
 *
 * Nothing here logs: cookie values are credentials.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'rayguard_session';
/** The short-lived cookie carrying state, nonce and PKCE verifier between /login and /callback. */
export const LOGIN_COOKIE = 'rayguard_login';
/** Where the login cookie is sent: the auth routes only. */
export const LOGIN_COOKIE_PATH = '/api/auth';
export const LOGIN_COOKIE_SECONDS = 10 * 60;

export type Purpose = 'session' | 'login';

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

function mac(secret: string, purpose: Purpose, body: string): Buffer {
  return createHmac('sha256', secret).update(`rayguard:${purpose}:v1:${body}`).digest();
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signs `payload` (plus `exp`) for `purpose`. */
export function sign(secret: string, purpose: Purpose, payload: Record<string, unknown>, expiresAt: number): string {
  const body = b64(JSON.stringify({ ...payload, exp: expiresAt }));
  return `v1.${body}.${b64(mac(secret, purpose, body))}`;
}

/** The payload when the signature is right and `exp` is in the future; otherwise null. */
export function verify(secret: string, purpose: Purpose, value: string | null | undefined, now = nowSeconds()): Record<string, unknown> | null {
  if (!value || value.length > 4096) return null;
  const parts = value.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1') return null;
  const [, body, sig] = parts;
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(sig)) return null;
  const expected = mac(secret, purpose, body);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const exp = (data as { exp?: unknown }).exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now) return null;
  return data as Record<string, unknown>;
}

export interface Session {
  user: string;
  /** Seconds since the epoch. */
  exp: number;
}

export function signSession(secret: string, user: string, hours: number, now = nowSeconds()): { value: string; exp: number; maxAge: number } {
  const maxAge = Math.round(hours * 3600);
  const exp = now + maxAge;
  return { value: sign(secret, 'session', { u: user }, exp), exp, maxAge };
}

export function verifySession(secret: string, value: string | null | undefined, now = nowSeconds()): Session | null {
  const data = verify(secret, 'session', value, now);
  if (!data || typeof data.u !== 'string' || !data.u) return null;
  return { user: data.u, exp: data.exp as number };
}

/** One cookie's value from a request's Cookie header (the first of that name), or null. */
export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    return v;
  }
  return null;
}

export interface CookieOptions {
  maxAge: number;
  path?: string;
  secure: boolean;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Secure when the dashboard is served over https. */
export function cookieHeader(name: string, value: string, opts: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${opts.path ?? '/'}`, `Max-Age=${Math.max(0, Math.floor(opts.maxAge))}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.maxAge <= 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearCookieHeader(name: string, opts: { path?: string; secure: boolean }): string {
  return cookieHeader(name, '', { maxAge: 0, path: opts.path, secure: opts.secure });
}
