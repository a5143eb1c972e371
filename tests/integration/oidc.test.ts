/**
 * The OIDC sign-in against a real OpenID provider (oidc-provider, in this process, on a free
 * port), through the route handlers themselves: login → the provider's sign-in and consent pages
 * (driven with fetch and a cookie jar) → callback → session cookie → requestUser. No mocks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/moto';
import { startTestProvider, type TestProvider } from '../../e2e/support/oidc-provider';
import { GET as loginRoute } from '@/app/api/auth/login/route';
import { GET as callbackRoute } from '@/app/api/auth/callback/route';
import { GET as meRoute } from '@/app/api/auth/me/route';
import { GET as logoutPage, POST as logoutRoute } from '@/app/api/auth/logout/route';
import { authGate, requestUser } from '@/lib/server/auth-gate';
import { resetOidcCache } from '@/lib/server/auth';
import { resetServerConfig } from '@/lib/server/config';
import { LOGIN_COOKIE, SESSION_COOKIE, sign } from '@/lib/server/session';
import { setLogSink } from '@/lib/server/log';

const CLIENT_ID = 'rayguard-test';
const CLIENT_SECRET = 'integration-client-secret-value';
const SESSION_SECRET = 'integration-session-secret-0123456789abcdef';

let provider: TestProvider;
let publicUrl: string;
const savedEnv = { ...process.env };
const logLines: string[] = [];

function configure(extra: Record<string, string> = {}): void {
  process.env = {
    ...savedEnv,
    RAYGUARD_AUTH: 'oidc',
    RAYGUARD_OIDC_ISSUER: provider.issuer,
    RAYGUARD_OIDC_CLIENT_ID: CLIENT_ID,
    RAYGUARD_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    RAYGUARD_PUBLIC_URL: publicUrl,
    RAYGUARD_SESSION_SECRET: SESSION_SECRET,
    ...extra,
  };
  resetServerConfig();
}

beforeAll(async () => {
  const [providerPort, appPort] = [await freePort(), await freePort()];
  publicUrl = `http://127.0.0.1:${appPort}`;
  provider = await startTestProvider({
    port: providerPort,
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${publicUrl}/api/auth/callback`] }],
  });
  setLogSink((line) => logLines.push(line));
});

afterAll(async () => {
  setLogSink(null);
  process.env = savedEnv;
  resetServerConfig();
  resetOidcCache();
  await provider?.stop();
});

beforeEach(() => configure());

/** Set-Cookie values of a response by cookie name. */
function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/** A minimal cookie jar for the provider's origin (names are unique enough there to ignore paths). */
class Jar {
  private cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attrs.some((a) => /^expires=.*1970/i.test(a)) || attrs.some((a) => /^max-age=0$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * From the provider's authorization URL to the redirect back to the app: signs in as `login` on
 * the provider's page and consents (or aborts the sign-in). Returns the callback URL.
 */
async function throughProvider(authorizationUrl: string, login: string, opts: { abort?: boolean } = {}): Promise<string> {
  const jar = new Jar();
  let url = authorizationUrl;
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(`${publicUrl}/`)) return url;
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      body,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    jar.take(res);
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).href;
      continue;
    }
    expect(res.status).toBe(200);
    const html = await res.text();
    if (opts.abort && /\/interaction\/[^/]+$/.test(new URL(url).pathname)) {
      url = `${url}/abort`;
    } else if (html.includes('name="prompt" value="login"')) {
      body = new URLSearchParams({ prompt: 'login', login, password: 'any' });
    } else if (html.includes('name="prompt" value="consent"')) {
      body = new URLSearchParams({ prompt: 'consent' });
    } else {
      throw new Error(`unexpected provider page at ${url}: ${html.slice(0, 300)}`);
    }
  }
  throw new Error('too many hops at the provider');
}

/** /api/auth/login → provider → the callback URL and the login cookie the app set. */
async function startSignIn(login: string, next = '/s/abc123', opts: { abort?: boolean } = {}) {
  const res = await loginRoute(new Request(`${publicUrl}/api/auth/login?next=${encodeURIComponent(next)}`));
  expect(res.status).toBe(303);
  const location = res.headers.get('location') ?? '';
  expect(location.startsWith(`${provider.issuer}/`)).toBe(true);
  const auth = new URL(location);
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('redirect_uri')).toBe(`${publicUrl}/api/auth/callback`);
  for (const p of ['state', 'nonce', 'code_challenge']) expect(auth.searchParams.get(p)).toBeTruthy();
  const loginCookie = setCookies(res).get(LOGIN_COOKIE);
  expect(loginCookie).toBeTruthy();
  expect(res.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax/);
  const callbackUrl = await throughProvider(location, login, opts);
  return { callbackUrl, loginCookie: loginCookie!, state: auth.searchParams.get('state')! };
}

const callback = (url: string, loginCookie: string) => callbackRoute(new Request(url, { headers: { cookie: `${LOGIN_COOKIE}=${loginCookie}` } }));

describe('OIDC sign-in against a real provider', () => {
  it('signs in, returns to the page, and the session identifies the user', async () => {
    const { callbackUrl, loginCookie } = await startSignIn('ana@example.com');
    expect(new URL(callbackUrl).searchParams.get('code')).toBeTruthy();
    const res = await callback(callbackUrl, loginCookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${publicUrl}/s/abc123`);
    const cookies = setCookies(res);
    expect(cookies.get(LOGIN_COOKIE)).toBe('');
    const session = cookies.get(SESSION_COOKIE);
    expect(session).toBeTruthy();
    const signedIn = new Request(`${publicUrl}/`, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
    expect(requestUser(signedIn)).toBe('ana@example.com');
    expect(await authGate(signedIn)).toBeNull();
    expect(await (await meRoute(signedIn)).json()).toEqual({ user: 'ana@example.com', mode: 'oidc' });

    // Signed out: the page redirects to sign-in, /api answers 401, /me says nobody.
    const anonymous = new Request(`${publicUrl}/s/abc123`);
    expect(requestUser(anonymous)).toBeNull();
    expect((await authGate(anonymous))?.headers.get('location')).toBe(`${publicUrl}/api/auth/login?next=%2Fs%2Fabc123`);
    expect((await authGate(new Request(`${publicUrl}/api/validate`, { method: 'POST' })))?.status).toBe(401);
    expect(await (await meRoute(anonymous)).json()).toEqual({ user: null, mode: 'oidc' });

    // A link or an image (GET) never signs out: signed in, it shows a button that POSTs.
    const withSession = { cookie: `${SESSION_COOKIE}=${session}` };
    const page = await logoutPage(new Request(`${publicUrl}/api/auth/logout`, { headers: withSession }));
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(await page.text()).toMatch(/<form method="post" action="\/api\/auth\/logout"><button type="submit">Sign out<\/button>/);
    // Another site's form cannot sign the user out either.
    const crossSite: Array<Record<string, string>> = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }];
    for (const h of crossSite) {
      const refused = await logoutRoute(new Request(`${publicUrl}/api/auth/logout`, { method: 'POST', headers: { ...withSession, ...h } }));
      expect(refused.status).toBe(403);
      expect(refused.headers.get('set-cookie')).toBeNull();
    }
    const out = await logoutRoute(
      new Request(`${publicUrl}/api/auth/logout`, { method: 'POST', headers: { ...withSession, origin: publicUrl, 'sec-fetch-site': 'same-origin' } }),
    );
    expect(out.status).toBe(303);
    expect(setCookies(out).get(SESSION_COOKIE)).toBe('');
    const after = await logoutPage(new Request(`${publicUrl}/api/auth/logout`));
    expect(await after.text()).toContain('Signed out');

    // Nothing secret in the logs.
    const logs = logLines.join('\n');
    expect(logs).not.toContain(session!);
    expect(logs).not.toContain(new URL(callbackUrl).searchParams.get('code')!);
    expect(logs).not.toContain(CLIENT_SECRET);
  });

  it('takes a user without an e-mail domain check by subject or address, and keeps the return path same-origin', async () => {
    const { callbackUrl, loginCookie } = await startSignIn('bob', '//evil.example/steal');
    const res = await callback(callbackUrl, loginCookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${publicUrl}/`);
    const session = setCookies(res).get(SESSION_COOKIE);
    expect(requestUser(new Request(`${publicUrl}/`, { headers: { cookie: `${SESSION_COOKIE}=${session}` } }))).toBe('bob@example.com');
  });

  it('rejects a callback whose state is not the one this browser started with', async () => {
    const { callbackUrl, loginCookie } = await startSignIn('ana@example.com');
    const code = new URL(callbackUrl).searchParams.get('code')!;
    const wrong = new URL(callbackUrl);
    wrong.searchParams.set('state', 'not-the-state');
    const res = await callback(wrong.href, loginCookie);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toMatch(/state check failed/);
    expect(text).not.toContain(code);
    expect(setCookies(res).has(SESSION_COOKIE)).toBe(false);
  });

  it('rejects a tampered or missing login cookie', async () => {
    const { callbackUrl, loginCookie } = await startSignIn('ana@example.com');
    const [v, body, sig] = loginCookie.split('.');
    const data = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${v}.${Buffer.from(JSON.stringify({ ...data, r: '/somewhere' })).toString('base64url')}.${sig}`;
    for (const cookie of [forged, `${loginCookie}x`, '']) {
      const res = await callback(callbackUrl, cookie);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/not started in this browser/);
      expect(setCookies(res).has(SESSION_COOKIE)).toBe(false);
    }
    // A session cookie tampered with is nobody.
    const ok = await callback(callbackUrl, loginCookie);
    const session = setCookies(ok).get(SESSION_COOKIE)!;
    const [sv, sbody, ssig] = session.split('.');
    const tampered = `${sv}.${Buffer.from(JSON.stringify({ u: 'admin@example.com', exp: 4102444800 })).toString('base64url')}.${ssig}`;
    expect(requestUser(new Request(`${publicUrl}/`, { headers: { cookie: `${SESSION_COOKIE}=${tampered}` } }))).toBeNull();
    expect(sbody).toBeTruthy();
  });

  it('checks the nonce in the ID token and the PKCE verifier at the provider', async () => {
    // Login cookies re-signed with the real secret (as only the server could), one value changed.
    const resign = (cookie: string, change: Record<string, string>) => {
      const data = JSON.parse(Buffer.from(cookie.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
      return sign(SESSION_SECRET, 'login', { ...data, ...change }, Math.floor(Date.now() / 1000) + 600);
    };
    const a = await startSignIn('ana@example.com');
    const badNonce = await callback(a.callbackUrl, resign(a.loginCookie, { n: 'another-nonce' }));
    expect(badNonce.status).toBe(400);
    expect(await badNonce.text()).toMatch(/nonce check failed/);
    expect(setCookies(badNonce).has(SESSION_COOKIE)).toBe(false);

    const b = await startSignIn('ana@example.com');
    const badVerifier = await callback(b.callbackUrl, resign(b.loginCookie, { v: 'x'.repeat(43) }));
    expect(badVerifier.status).toBe(502);
    expect(await badVerifier.text()).toMatch(/invalid_grant/);
    expect(setCookies(badVerifier).has(SESSION_COOKIE)).toBe(false);
  });

  it('refuses an account outside the allowed domains, and an unverified address', async () => {
    configure({ RAYGUARD_OIDC_ALLOWED_DOMAINS: 'example.org' });
    const outside = await startSignIn('ana@example.com');
    const res = await callback(outside.callbackUrl, outside.loginCookie);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/example\.com may not use this dashboard/);
    expect(setCookies(res).has(SESSION_COOKIE)).toBe(false);

    const unverified = await startSignIn('unverified-carl@example.org');
    const res2 = await callback(unverified.callbackUrl, unverified.loginCookie);
    expect(res2.status).toBe(403);
    expect(await res2.text()).toMatch(/verified e-mail address/);

    const inside = await startSignIn('dana@example.org');
    const res3 = await callback(inside.callbackUrl, inside.loginCookie);
    expect(res3.status).toBe(303);
    expect(requestUser(new Request(`${publicUrl}/`, { headers: { cookie: `${SESSION_COOKIE}=${setCookies(res3).get(SESSION_COOKIE)}` } }))).toBe('dana@example.org');
  });

  it('explains a sign-in the provider refused, without echoing the request', async () => {
    const { callbackUrl, loginCookie } = await startSignIn('ana@example.com', '/', { abort: true });
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
    const res = await callback(callbackUrl, loginCookie);
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toMatch(/did not sign you in.*access_denied/);
    expect(text).not.toMatch(/End-User aborted/);
  });

  it('says so when the provider cannot be reached', async () => {
    configure({ RAYGUARD_OIDC_ISSUER: `http://127.0.0.1:${await freePort()}` });
    const res = await loginRoute(new Request(`${publicUrl}/api/auth/login`));
    expect(res.status).toBe(502);
    expect(await res.text()).toMatch(/could not be reached/);
  });
});
