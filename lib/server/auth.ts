/**
 * Sign-in (RAYGUARD_AUTH): who a request is from, which paths need someone, and the OIDC
 * authorization code flow (PKCE + state + nonce, openid-client). Every function takes the auth
 * settings as an argument (`serverConfig().auth` in the routes), so tests can drive them directly.
 *
 * Never logged or echoed: tokens, authorization codes, cookies, the client or session secret.
 */
import * as client from 'openid-client';
import type { ServerConfig } from './config';
import { addressInRanges } from './cidr';
import { log } from './log';
import { peerAddress } from './peer';
import {
  LOGIN_COOKIE,
  LOGIN_COOKIE_PATH,
  LOGIN_COOKIE_SECONDS,
  SESSION_COOKIE,
  clearCookieHeader,
  cookieHeader,
  readCookie,
  sign,
  signSession,
  verify,
  verifySession,
} from './session';

export type AuthSettings = ServerConfig['auth'];

export const CALLBACK_PATH = '/api/auth/callback';
export const LOGIN_PATH = '/api/auth/login';
export const LOGOUT_PATH = '/api/auth/logout';

// ---------------------------------------------------------------------------------------------
// Paths

/** Static files at the root that any visitor may fetch (app/icon.svg and the like). */
const ROOT_STATIC = /^\/[A-Za-z0-9._-]+\.(?:ico|png|svg|jpg|jpeg|gif|webp|txt|xml|webmanifest|woff2?)$/;

/** Paths that never need a user: health checks, the sign-in routes themselves, build assets. */
export function isPublicPath(pathname: string): boolean {
  if (pathname === '/api/healthz' || pathname === '/api/readyz') return true;
  if (pathname === '/api/auth' || pathname.startsWith('/api/auth/')) return true;
  if (pathname.startsWith('/_next/static/')) return true;
  if (pathname === '/favicon.ico') return true;
  return ROOT_STATIC.test(pathname);
}

const isApiPath = (pathname: string) => pathname === '/api' || pathname.startsWith('/api/');

/**
 * The path to return to after sign-in: a same-origin path (with its query) or `/`. Anything that
 * could leave the site (`//evil`, `/\evil`, `https://…`, control characters) and the sign-in
 * routes themselves (a loop) become `/`.
 */
export function sanitizeReturnTo(next: string | null | undefined): string {
  if (!next || next.length > 2000) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return '/';
  let u: URL;
  try {
    u = new URL(next, 'http://rayguard.invalid');
  } catch {
    return '/';
  }
  if (u.origin !== 'http://rayguard.invalid') return '/';
  if (u.pathname === '/api/auth' || u.pathname.startsWith('/api/auth/')) return '/';
  const out = `${u.pathname}${u.search}`;
  // Normalising can make a path protocol-relative (`/..//evil.com` → `//evil.com`): check the result too.
  if (out.startsWith('//') || out.startsWith('/\\')) return '/';
  return out;
}

// ---------------------------------------------------------------------------------------------
// Users

/** A user name from the proxy header: e-mail-like, printable ASCII, no spaces or commas (a header sent twice arrives comma-joined). */
const USER_RE = /^[A-Za-z0-9._%+\-@:/~!#$&'*=?^`{|}]{1,254}$/;

export function validUserName(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (!USER_RE.test(v)) return null;
  return v.includes('@') ? v.toLowerCase() : v;
}

/** Proxy mode: the header's user, only when the TCP peer is one of the configured proxy addresses. */
export function proxyUser(req: Request, auth: AuthSettings): string | null {
  if (auth.mode !== 'proxy' || !auth.proxy) return null;
  const value = req.headers.get(auth.proxy.header);
  if (value === null) return null;
  if (!addressInRanges(peerAddress(req), auth.proxy.addresses)) return null;
  return validUserName(value);
}

const isSecure = (auth: AuthSettings) => (auth.publicUrl ?? '').startsWith('https:');

/** OIDC mode: the user of a valid, unexpired session cookie. */
export function sessionUser(req: Request, auth: AuthSettings): string | null {
  if (auth.mode !== 'oidc' || !auth.sessionSecret) return null;
  return verifySession(auth.sessionSecret, readCookie(req, SESSION_COOKIE))?.user ?? null;
}

export function userOf(req: Request, auth: AuthSettings): string | null {
  if (auth.mode === 'proxy') return proxyUser(req, auth);
  if (auth.mode === 'oidc') return sessionUser(req, auth);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Answers

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A minimal HTML page (no scripts, no styles: nothing for a CSP to refuse). */
export function htmlPage(
  status: number,
  title: string,
  paragraphs: string[],
  link?: { href: string; text: string; post?: boolean },
  headers?: Headers,
): Response {
  const h = headers ?? new Headers();
  h.set('Content-Type', 'text/html; charset=utf-8');
  h.set('Cache-Control', 'no-store');
  let action = '';
  if (link?.post) action = `<form method="post" action="${escapeHtml(link.href)}"><button type="submit">${escapeHtml(link.text)}</button></form>`;
  else if (link) action = `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`;
  const body = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)} · Rayguard</title></head><body><main>`,
    `<h1>${escapeHtml(title)}</h1>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    action,
    '</main></body></html>',
  ].join('');
  return new Response(body, { status, headers: h });
}

function json(status: number, body: unknown, headers?: Headers): Response {
  const h = headers ?? new Headers();
  h.set('Content-Type', 'application/json');
  h.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers: h });
}

function redirect(location: string, headers?: Headers): Response {
  const h = headers ?? new Headers();
  h.set('Location', location);
  h.set('Cache-Control', 'no-store');
  return new Response(null, { status: 303, headers: h });
}

/**
 * The gate in front of every request: null lets it through; otherwise the answer for someone not
 * signed in (a redirect to sign-in or a 401 page for pages, 401 JSON for /api).
 */
export async function gate(req: Request, auth: AuthSettings): Promise<Response | null> {
  if (auth.mode === 'off') return null;
  const url = new URL(req.url);
  if (isPublicPath(url.pathname)) return null;
  if (userOf(req, auth)) return null;
  const api = isApiPath(url.pathname);
  if (auth.mode === 'proxy') {
    if (api) return json(401, { error: 'not signed in: this dashboard is reached through its sign-in proxy, which sets the user; requests that do not come through it are refused' });
    return htmlPage(401, 'Sign-in required', [
      'This Rayguard dashboard signs people in through an authenticating proxy (for example oauth2-proxy) in front of it.',
      'Your request did not come through that proxy with a signed-in user. Open the dashboard at the address your team uses (the proxy\'s), and sign in there.',
    ]);
  }
  if (api) return json(401, { error: 'not signed in: open the dashboard in a browser and sign in, then retry' });
  const next = sanitizeReturnTo(`${url.pathname}${url.search}`);
  // Absolute (Next.js refuses a relative Location from proxy.ts), and at the public address: the
  // sign-in cookie must be set on the host the provider sends the browser back to.
  return redirect(new URL(`${LOGIN_PATH}?next=${encodeURIComponent(next)}`, auth.publicUrl ?? url).href);
}

// ---------------------------------------------------------------------------------------------
// OIDC

type Oidc = NonNullable<AuthSettings['oidc']>;

const discoveries = new Map<string, Promise<client.Configuration>>();

/** Sends the client secret the way the provider says it takes it: HTTP Basic (the default) or in the body. */
function secretAuth(secret: string): client.ClientAuth {
  const basic = client.ClientSecretBasic(secret);
  const post = client.ClientSecretPost(secret);
  return (as, c, body, headers) => {
    const methods = as.token_endpoint_auth_methods_supported;
    (!methods || methods.includes('client_secret_basic') ? basic : post)(as, c, body, headers);
  };
}

/** The provider's configuration, discovered once per process (a failed discovery is retried next time). */
export function oidcConfiguration(oidc: Oidc): Promise<client.Configuration> {
  const key = `${oidc.issuer}\n${oidc.clientId}`;
  let p = discoveries.get(key);
  if (!p) {
    // config.ts only lets plain http through for a loopback issuer (a provider on this machine).
    const insecure = oidc.issuer.startsWith('http:');
    p = client.discovery(new URL(oidc.issuer), oidc.clientId, { client_secret: oidc.clientSecret }, secretAuth(oidc.clientSecret), {
      execute: insecure ? [client.allowInsecureRequests] : [],
      timeout: 10,
    });
    discoveries.set(key, p);
    p.catch(() => discoveries.delete(key));
  }
  return p;
}

/** Forget discovered providers (tests). */
export function resetOidcCache(): void {
  discoveries.clear();
}

const redirectUri = (auth: AuthSettings) => `${auth.publicUrl}${CALLBACK_PATH}`;

function oidcReady(auth: AuthSettings): { oidc: Oidc; secret: string; publicUrl: string } | null {
  if (auth.mode !== 'oidc' || !auth.oidc || !auth.sessionSecret || !auth.publicUrl) return null;
  return { oidc: auth.oidc, secret: auth.sessionSecret, publicUrl: auth.publicUrl };
}

const misconfigured = () =>
  htmlPage(503, 'Sign-in is not configured', ['RAYGUARD_AUTH=oidc needs RAYGUARD_OIDC_ISSUER, RAYGUARD_OIDC_CLIENT_ID, RAYGUARD_OIDC_CLIENT_SECRET, RAYGUARD_PUBLIC_URL and RAYGUARD_SESSION_SECRET. See docs/auth.md.']);

const unreachable = (issuer: string) =>
  htmlPage(502, 'The sign-in provider could not be reached', [`Rayguard could not read the OpenID configuration of ${issuer}. Try again in a moment; if it persists, check RAYGUARD_OIDC_ISSUER and that this server can reach the provider.`], { href: LOGIN_PATH, text: 'Try again' });

/** GET /api/auth/login?next=/path: off to the provider, with state, nonce and PKCE verifier in a signed short-lived cookie. */
export async function startLogin(req: Request, auth: AuthSettings): Promise<Response> {
  const next = sanitizeReturnTo(new URL(req.url).searchParams.get('next'));
  // relative: the browser stays on the host it used (req.url's host is the server's bind address)
  if (auth.mode !== 'oidc') return redirect(next);
  const ready = oidcReady(auth);
  if (!ready) return misconfigured();
  let config: client.Configuration;
  try {
    config = await oidcConfiguration(ready.oidc);
  } catch (e) {
    log('error', 'oidc discovery failed', { issuer: ready.oidc.issuer, error: e instanceof Error ? e.name : 'unknown' });
    return unreachable(ready.oidc.issuer);
  }
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const target = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(auth),
    scope: ready.oidc.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const now = Math.floor(Date.now() / 1000);
  const cookie = sign(ready.secret, 'login', { s: state, n: nonce, v: verifier, r: next }, now + LOGIN_COOKIE_SECONDS);
  const headers = new Headers();
  headers.append('Set-Cookie', cookieHeader(LOGIN_COOKIE, cookie, { maxAge: LOGIN_COOKIE_SECONDS, path: LOGIN_COOKIE_PATH, secure: isSecure(auth) }));
  // The empty fragment keeps the browser from carrying this page's fragment (a share link's key)
  // over to the provider.
  return redirect(`${target.href}#`, headers);
}

export type Identity = { ok: true; user: string } | { ok: false; reason: string };

const isVerified = (v: unknown) => v === true || v === 'true';

/**
 * Who signed in, from the ID token's claims (plus userinfo's): the e-mail address, or the subject
 * when there is none. With allowed domains, a verified e-mail address in one of them is required.
 */
export function identityFromClaims(claims: Record<string, unknown>, allowedDomains: readonly string[]): Identity {
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const raw = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  // One @, something on each side: `a@evil.com@example.com` is not an address at example.com.
  const email = /^[^@\s]+@[^@\s]+$/.test(raw) ? raw : '';
  if (allowedDomains.length > 0) {
    if (!email || !isVerified(claims.email_verified)) {
      return { ok: false, reason: `This dashboard admits only accounts with a verified e-mail address at ${allowedDomains.join(', ')}, and the provider did not report one for your account.` };
    }
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (!allowedDomains.includes(domain)) {
      return { ok: false, reason: `Accounts at ${domain || 'that domain'} may not use this dashboard; it admits ${allowedDomains.join(', ')}.` };
    }
    const user = validUserName(email);
    return user ? { ok: true, user } : { ok: false, reason: 'The provider returned an e-mail address Rayguard cannot use.' };
  }
  const explicitlyUnverified = claims.email_verified === false || claims.email_verified === 'false';
  const user = validUserName(email && !explicitlyUnverified ? email : sub);
  if (!user) return { ok: false, reason: 'The provider returned neither an e-mail address nor a usable subject for your account.' };
  return { ok: true, user };
}

/** Provider error codes we explain; any other is named (when it looks like a code) but not explained. */
const PROVIDER_ERRORS: Record<string, string> = {
  access_denied: 'The provider did not sign you in (you cancelled, or your account may not use this application).',
  login_required: 'The provider needs you to sign in again.',
  consent_required: 'The provider needs your consent for this application.',
  interaction_required: 'The provider needs you to complete a step on its sign-in page.',
  invalid_scope: 'The provider refused the requested scopes (RAYGUARD_OIDC_SCOPES).',
  unauthorized_client: 'The provider does not allow this client to sign in this way (check the client registration: authorization code flow).',
  invalid_client: 'The provider did not accept the client id or secret (RAYGUARD_OIDC_CLIENT_ID / RAYGUARD_OIDC_CLIENT_SECRET).',
  invalid_grant: 'The provider did not accept the sign-in code (it may have expired or been used already).',
  invalid_request: 'The provider refused the request (check that the redirect URI is registered exactly).',
  server_error: 'The provider reported an internal error.',
  temporarily_unavailable: 'The provider is temporarily unavailable.',
};

/** An OAuth error code as sent (letters and _ only), else `unknown_error`: nothing else from the request is shown or logged. */
const errorCode = (code: unknown) => (typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : 'unknown_error');

function providerError(code: unknown): string {
  const c = errorCode(code);
  return `${PROVIDER_ERRORS[c] ?? 'The provider reported an error.'} (${c})`;
}

/** Why a callback failed, as text that holds nothing from the request but constant strings and error codes. */
function describeFailure(e: unknown): { status: number; text: string; reason: string } {
  if (e instanceof client.AuthorizationResponseError) return { status: e.error === 'access_denied' ? 403 : 502, text: providerError(e.error), reason: `authorization:${errorCode(e.error)}` };
  if (e instanceof client.ResponseBodyError) return { status: 502, text: providerError(e.error), reason: `token:${errorCode(e.error)}` };
  if (e instanceof client.ClientError) {
    // openid-client wraps oauth4webapi's error: the specific message is the cause's.
    const m = `${e.message} ${e.cause instanceof Error ? e.cause.message : ''}`;
    if (m.includes('"state"')) return { status: 400, text: 'The answer from the provider does not belong to the sign-in this browser started (state check failed).', reason: 'state' };
    if (m.includes('"nonce"')) return { status: 400, text: 'The ID token does not belong to the sign-in this browser started (nonce check failed).', reason: 'nonce' };
    return { status: 502, text: `The provider's answer did not pass validation (${e.code ?? 'invalid response'}).`, reason: e.code ?? 'client-error' };
  }
  return { status: 502, text: 'The sign-in provider could not be reached, or answered something Rayguard could not read.', reason: e instanceof Error ? e.name : 'unknown' };
}

function failure(status: number, auth: AuthSettings, lines: string[]): Response {
  const headers = new Headers();
  headers.append('Set-Cookie', clearCookieHeader(LOGIN_COOKIE, { path: LOGIN_COOKIE_PATH, secure: isSecure(auth) }));
  return htmlPage(status, 'Sign-in failed', lines, { href: LOGIN_PATH, text: 'Sign in again' }, headers);
}

/** GET /api/auth/callback: checks state, exchanges the code (PKCE), checks the ID token (nonce), sets the session. */
export async function finishLogin(req: Request, auth: AuthSettings): Promise<Response> {
  if (auth.mode !== 'oidc') return redirect('/');
  const ready = oidcReady(auth);
  if (!ready) return misconfigured();
  const params = new URL(req.url).searchParams;
  const pending = verify(ready.secret, 'login', readCookie(req, LOGIN_COOKIE));
  if (!pending || typeof pending.s !== 'string' || typeof pending.n !== 'string' || typeof pending.v !== 'string') {
    log('warn', 'sign-in callback without a valid login cookie');
    const lines = params.has('error') ? [providerError(params.get('error'))] : [];
    lines.push('This sign-in was not started in this browser, took longer than 10 minutes, or its cookie was altered. Start again.');
    return failure(400, auth, lines);
  }
  let config: client.Configuration;
  try {
    config = await oidcConfiguration(ready.oidc);
  } catch (e) {
    log('error', 'oidc discovery failed', { issuer: ready.oidc.issuer, error: e instanceof Error ? e.name : 'unknown' });
    return unreachable(ready.oidc.issuer);
  }
  // The URL the provider redirected to, as registered (this server may sit behind a proxy that
  // rewrites the host): the redirect_uri of the token request is derived from it.
  const current = new URL(redirectUri(auth));
  for (const [k, v] of params) current.searchParams.append(k, v);
  let user: string;
  try {
    const tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: pending.v,
      expectedState: pending.s,
      expectedNonce: pending.n,
      idTokenExpected: true,
    });
    const claims: Record<string, unknown> = { ...(tokens.claims() ?? {}) };
    // Many providers put the e-mail address in userinfo only.
    if (typeof claims.email !== 'string' && typeof claims.sub === 'string' && tokens.access_token && config.serverMetadata().userinfo_endpoint) {
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      if (typeof info.email === 'string') {
        claims.email = info.email;
        claims.email_verified = info.email_verified;
      }
    }
    const id = identityFromClaims(claims, ready.oidc.allowedDomains);
    if (!id.ok) {
      log('warn', 'sign-in refused', { reason: 'identity' });
      return failure(403, auth, [id.reason]);
    }
    user = id.user;
  } catch (e) {
    const f = describeFailure(e);
    log('warn', 'sign-in failed', { reason: f.reason });
    return failure(f.status, auth, [f.text, 'Start the sign-in again; if this keeps happening, ask whoever runs this dashboard to check its OIDC settings.']);
  }
  const session = signSession(ready.secret, user, auth.sessionHours);
  const headers = new Headers();
  headers.append('Set-Cookie', clearCookieHeader(LOGIN_COOKIE, { path: LOGIN_COOKIE_PATH, secure: isSecure(auth) }));
  headers.append('Set-Cookie', cookieHeader(SESSION_COOKIE, session.value, { maxAge: session.maxAge, secure: isSecure(auth) }));
  log('info', 'signed in', { user });
  return redirect(`${ready.publicUrl}${sanitizeReturnTo(typeof pending.r === 'string' ? pending.r : '/')}`, headers);
}

/** /api/auth/logout: clears the session. POST answers with a redirect to the signed-out page (GET). */
/**
 * A POST sent by another site's page (a form or script there): browsers say so in Sec-Fetch-Site,
 * or, older ones, in an Origin that is not this server's.
 */
function crossSite(req: Request, auth: AuthSettings): boolean {
  const site = req.headers.get('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.get('origin');
  if (!origin) return false;
  const own = new Set([new URL(req.url).origin]);
  if (auth.publicUrl) own.add(new URL(auth.publicUrl).origin);
  return !own.has(origin);
}

/**
 * Sign-out. POST (the header's button, or the button on the GET page) clears the session and
 * redirects to GET, which says so. A GET alone never signs anyone out: a link or an image on any
 * page could otherwise do it; signed in, GET shows the button. A POST from another site is refused.
 */
export function logout(req: Request, auth: AuthSettings): Response {
  if (auth.mode !== 'oidc') return redirect('/');
  const here = auth.publicUrl ? `${auth.publicUrl}${LOGOUT_PATH}` : LOGOUT_PATH;
  if (req.method === 'POST') {
    if (crossSite(req, auth)) {
      return htmlPage(403, 'Not signed out', ['The sign-out request came from another site, so it was ignored.'], { href: here, text: 'Sign out of Rayguard' });
    }
    const headers = new Headers();
    headers.append('Set-Cookie', clearCookieHeader(SESSION_COOKIE, { secure: isSecure(auth) }));
    return redirect(here, headers);
  }
  if (userOf(req, auth)) {
    return htmlPage(200, 'Sign out?', ['You are signed in to Rayguard.'], { href: LOGOUT_PATH, text: 'Sign out', post: true });
  }
  return htmlPage(200, 'Signed out', ['You are signed out of Rayguard. Your account at the sign-in provider may still be signed in.'], { href: LOGIN_PATH, text: 'Sign in again' });
}

/** /api/auth/me: the signed-in user (null when signed out or sign-in is off) and the mode. */
export function me(req: Request, auth: AuthSettings): Response {
  return json(200, { user: userOf(req, auth), mode: auth.mode });
}
