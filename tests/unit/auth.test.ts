import { afterEach, describe, expect, it } from 'vitest';
import { addressInRanges, parseCidr, parseIp } from '@/lib/server/cidr';
import { SESSION_COOKIE, cookieHeader, readCookie, sign, signSession, verify, verifySession } from '@/lib/server/session';
import { gate, identityFromClaims, isPublicPath, proxyUser, sanitizeReturnTo, userOf, validUserName, type AuthSettings } from '@/lib/server/auth';
import { authGate, requestUser } from '@/lib/server/auth-gate';
import { readServerConfig, resetServerConfig } from '@/lib/server/config';
import { PEER_HEADER } from '@/lib/server/peer';

const SECRET = 'x'.repeat(40);
const OTHER = 'y'.repeat(40);

describe('session cookies', () => {
  it('round-trips a user and its expiry', () => {
    const s = signSession(SECRET, 'ana@example.com', 12, 1_000_000);
    expect(s.maxAge).toBe(12 * 3600);
    expect(verifySession(SECRET, s.value, 1_000_001)).toEqual({ user: 'ana@example.com', exp: 1_000_000 + 12 * 3600 });
  });

  it('refuses expired sessions', () => {
    const s = signSession(SECRET, 'ana@example.com', 1, 1_000_000);
    expect(verifySession(SECRET, s.value, 1_000_000 + 3599)).not.toBeNull();
    expect(verifySession(SECRET, s.value, 1_000_000 + 3600)).toBeNull();
  });

  it('refuses tampered payloads, signatures, other secrets and garbage', () => {
    const { value } = signSession(SECRET, 'ana@example.com', 1);
    const [v, body, sig] = value.split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'admin@example.com', exp: 9_999_999_999 })).toString('base64url');
    expect(verifySession(SECRET, `${v}.${forged}.${sig}`)).toBeNull();
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    expect(verifySession(SECRET, `${v}.${body}.${flipped}`)).toBeNull();
    expect(verifySession(SECRET, `${v}.${body}.${sig.slice(0, 10)}`)).toBeNull();
    expect(verifySession(OTHER, value)).toBeNull();
    for (const junk of ['', 'v1', 'v1..', 'v2.' + body + '.' + sig, `${v}.${body}.${sig}.x`, `${v}.${body}!.${sig}`, 'a'.repeat(5000)]) expect(verifySession(SECRET, junk)).toBeNull();
    expect(verifySession(SECRET, null)).toBeNull();
  });

  it('keeps purposes apart: a login cookie is not a session', () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const login = sign(SECRET, 'login', { u: 'ana@example.com', s: 'state' }, exp);
    expect(verify(SECRET, 'login', login)).toMatchObject({ s: 'state' });
    expect(verifySession(SECRET, login)).toBeNull();
  });

  it('writes HttpOnly, SameSite=Lax cookies, Secure only when asked', () => {
    const c = cookieHeader(SESSION_COOKIE, 'v', { maxAge: 60, secure: false });
    expect(c).toBe('rayguard_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax');
    expect(cookieHeader(SESSION_COOKIE, 'v', { maxAge: 60, secure: true })).toMatch(/; Secure$/);
    expect(cookieHeader(SESSION_COOKIE, '', { maxAge: 0, secure: false })).toContain('Max-Age=0');
  });

  it('reads one cookie out of a Cookie header', () => {
    const req = new Request('http://x/', { headers: { cookie: 'a=1; rayguard_session=abc.def; b=2' } });
    expect(readCookie(req, SESSION_COOKIE)).toBe('abc.def');
    expect(readCookie(req, 'missing')).toBeNull();
  });
});

describe('CIDR matching', () => {
  it('parses IPv4, IPv6 and mapped addresses', () => {
    expect(parseIp('10.1.2.3')).toEqual({ version: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
    expect(parseIp('::ffff:10.1.2.3')).toEqual({ version: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
    expect(parseIp('::ffff:a01:203')).toEqual({ version: 4, bytes: Uint8Array.from([10, 1, 2, 3]) });
    expect(parseIp('::1')?.version).toBe(6);
    expect(parseIp('[2001:db8::1]')?.version).toBe(6);
    for (const bad of ['', '1.2.3', '1.2.3.256', '01.2.3.4x', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'gggg::1', '1.2.3.4::', 'localhost']) expect(parseIp(bad)).toBeNull();
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('::/129')).toBeNull();
    expect(parseCidr('10.0.0.0/8/1')).toBeNull();
  });

  it('matches IPv4 ranges', () => {
    expect(addressInRanges('10.2.3.4', ['10.0.0.0/8'])).toBe(true);
    expect(addressInRanges('11.2.3.4', ['10.0.0.0/8'])).toBe(false);
    expect(addressInRanges('192.168.1.130', ['192.168.1.128/25'])).toBe(true);
    expect(addressInRanges('192.168.1.127', ['192.168.1.128/25'])).toBe(false);
    expect(addressInRanges('127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(addressInRanges('127.0.0.2', ['127.0.0.1'])).toBe(false);
    expect(addressInRanges('8.8.8.8', ['0.0.0.0/0'])).toBe(true);
  });

  it('matches IPv6 ranges and never mixes families', () => {
    expect(addressInRanges('fd00::1234', ['fd00::/8'])).toBe(true);
    expect(addressInRanges('fe80::1', ['fd00::/8'])).toBe(false);
    expect(addressInRanges('2001:db8:0:1::5', ['2001:db8::/48'])).toBe(true);
    expect(addressInRanges('2001:db8:1::5', ['2001:db8::/48'])).toBe(false);
    expect(addressInRanges('::1', ['::1'])).toBe(true);
    expect(addressInRanges('::1', ['127.0.0.1'])).toBe(false);
    expect(addressInRanges('10.0.0.1', ['::/0'])).toBe(false);
  });

  it('treats IPv4-mapped IPv6 as IPv4, as peer and as range', () => {
    expect(addressInRanges('::ffff:127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(addressInRanges('::FFFF:10.9.8.7', ['10.0.0.0/8'])).toBe(true);
    expect(addressInRanges('10.9.8.7', ['::ffff:10.0.0.0/104'])).toBe(true);
    expect(addressInRanges('11.9.8.7', ['::ffff:10.0.0.0/104'])).toBe(false);
    expect(addressInRanges('::ffff:11.9.8.7', ['10.0.0.0/8'])).toBe(false);
  });

  it('matches nothing for unknown or malformed input', () => {
    expect(addressInRanges(null, ['0.0.0.0/0'])).toBe(false);
    expect(addressInRanges('', ['0.0.0.0/0'])).toBe(false);
    expect(addressInRanges('not-an-ip', ['0.0.0.0/0'])).toBe(false);
    expect(addressInRanges('10.0.0.1', ['bogus', '10.0.0.0/40'])).toBe(false);
  });
});

const proxyAuth = (addresses: string[]): AuthSettings => ({ mode: 'proxy', sessionHours: 12, proxy: { header: 'x-forwarded-email', addresses } });

function req(path: string, headers: Record<string, string> = {}): Request {
  return new Request(`http://127.0.0.1:3000${path}`, { headers });
}

describe('proxy mode', () => {
  const auth = proxyAuth(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);

  it('takes the header only from a configured address', () => {
    expect(proxyUser(req('/', { 'x-forwarded-email': 'Ana@Example.com', [PEER_HEADER]: '127.0.0.1' }), auth)).toBe('ana@example.com');
    expect(proxyUser(req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '::ffff:10.3.4.5' }), auth)).toBe('ana@example.com');
    expect(proxyUser(req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: 'fd00::7' }), auth)).toBe('ana@example.com');
    expect(proxyUser(req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '192.168.1.5' }), auth)).toBeNull();
    expect(proxyUser(req('/', { 'x-forwarded-email': 'ana@example.com' }), auth)).toBeNull();
    // X-Forwarded-For is the client's to write: it proves nothing.
    expect(proxyUser(req('/', { 'x-forwarded-email': 'ana@example.com', 'x-forwarded-for': '127.0.0.1', [PEER_HEADER]: '203.0.113.9' }), auth)).toBeNull();
    expect(proxyUser(req('/', { [PEER_HEADER]: '127.0.0.1' }), auth)).toBeNull();
  });

  it('refuses header values that are not a plausible user', () => {
    for (const bad of ['', ' ', 'a b@example.com', 'ana@example.com, eve@example.com', 'x'.repeat(255), 'ana\u0001@example.com', '<script>@x']) {
      expect(proxyUser(req('/', { 'x-forwarded-email': bad, [PEER_HEADER]: '127.0.0.1' }), auth)).toBeNull();
    }
    expect(validUserName('jdoe')).toBe('jdoe');
    expect(validUserName('ana\nx')).toBeNull();
  });

  it('gates pages with a 401 page and /api with 401 JSON; public paths pass', async () => {
    const page = await gate(req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '192.0.2.1' }), auth);
    expect(page?.status).toBe(401);
    expect(page?.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page?.text()).toMatch(/proxy/);
    const api = await gate(req('/api/validate'), auth);
    expect(api?.status).toBe(401);
    expect(await api?.json()).toMatchObject({ error: expect.stringMatching(/not signed in/) });
    expect(await gate(req('/api/healthz'), auth)).toBeNull();
    expect(await gate(req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '127.0.0.1' }), auth)).toBeNull();
    expect(userOf(req('/s/abc', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '127.0.0.1' }), auth)).toBe('ana@example.com');
  });

  it('works through authGate/requestUser with the settings read from the environment', async () => {
    const saved = { ...process.env };
    try {
      process.env.RAYGUARD_AUTH = 'proxy';
      process.env.RAYGUARD_AUTH_PROXY_ADDRESSES = '10.0.0.1';
      resetServerConfig();
      // The peer is 127.0.0.1 but only 10.0.0.1 is the proxy: the header is ignored.
      const r = req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '127.0.0.1' });
      expect(requestUser(r)).toBeNull();
      expect((await authGate(r))?.status).toBe(401);
      const ok = req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '10.0.0.1' });
      expect(requestUser(ok)).toBe('ana@example.com');
      expect(await authGate(ok)).toBeNull();
    } finally {
      process.env = saved;
      resetServerConfig();
    }
  });
});

describe('off and oidc gates', () => {
  afterEach(() => resetServerConfig());

  it('off: everything passes and nobody is signed in', async () => {
    const off: AuthSettings = { mode: 'off', sessionHours: 12 };
    expect(await gate(req('/api/validate'), off)).toBeNull();
    expect(await gate(req('/s/abc'), off)).toBeNull();
    expect(userOf(req('/', { 'x-forwarded-email': 'ana@example.com', [PEER_HEADER]: '127.0.0.1' }), off)).toBeNull();
  });

  it('oidc: redirects pages to sign-in, 401 JSON for /api, lets a valid session through', async () => {
    const r = readServerConfig({
      RAYGUARD_AUTH: 'oidc',
      RAYGUARD_OIDC_ISSUER: 'https://id.example.com',
      RAYGUARD_OIDC_CLIENT_ID: 'rayguard',
      RAYGUARD_OIDC_CLIENT_SECRET: 'client-secret',
      RAYGUARD_PUBLIC_URL: 'https://rayguard.example.com',
      RAYGUARD_SESSION_SECRET: SECRET,
    });
    if (!r.ok) throw new Error(r.problems.join('; '));
    const auth = r.config.auth;
    const page = await gate(req('/s/abc?x=1'), auth);
    expect(page?.status).toBe(303);
    expect(page?.headers.get('location')).toBe('https://rayguard.example.com/api/auth/login?next=%2Fs%2Fabc%3Fx%3D1');
    const api = await gate(req('/api/share'), auth);
    expect(api?.status).toBe(401);
    expect(await api?.json()).toHaveProperty('error');
    for (const p of ['/api/healthz', '/api/readyz', '/api/auth/login', '/api/auth/me', '/_next/static/chunks/a.js', '/favicon.ico', '/icon.svg']) expect(await gate(req(p), auth)).toBeNull();
    const { value } = signSession(SECRET, 'ana@example.com', 1);
    expect(await gate(req('/', { cookie: `${SESSION_COOKIE}=${value}` }), auth)).toBeNull();
    expect(userOf(req('/', { cookie: `${SESSION_COOKIE}=${value}` }), auth)).toBe('ana@example.com');
    const { value: foreign } = signSession(OTHER, 'ana@example.com', 1);
    expect((await gate(req('/', { cookie: `${SESSION_COOKIE}=${foreign}` }), auth))?.status).toBe(303);
  });

  it('public paths', () => {
    expect(isPublicPath('/api/auth/callback')).toBe(true);
    expect(isPublicPath('/')).toBe(false);
    expect(isPublicPath('/s/abc')).toBe(false);
    expect(isPublicPath('/api/validate')).toBe(false);
    expect(isPublicPath('/api/authx')).toBe(false);
    expect(isPublicPath('/_next/image')).toBe(false);
    expect(isPublicPath('/rules')).toBe(false);
  });
});

describe('return-to paths', () => {
  it('keeps same-origin paths with their query', () => {
    expect(sanitizeReturnTo('/s/abc')).toBe('/s/abc');
    expect(sanitizeReturnTo('/rules?x=1')).toBe('/rules?x=1');
    expect(sanitizeReturnTo('/a/../rules')).toBe('/rules');
  });

  it('turns everything else into /', () => {
    for (const bad of [null, undefined, '', 'https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil', 'javascript:alert(1)', '/%0d%0aSet-Cookie:x', '/\r\nx', '/\tx', 'evil', '/api/auth/login?next=/', '/api/auth/callback', '/' + 'a'.repeat(2001), '/..//evil.example/phish', '/.//evil.example', '/a/../..//evil.example', '/%2e%2e//evil.example']) {
      const out = sanitizeReturnTo(bad);
      expect(out.startsWith('/') && !out.startsWith('//')).toBe(true);
      if (bad !== '/%0d%0aSet-Cookie:x') expect(out).toBe('/');
    }
    // Encoded line breaks stay encoded: a path, not a header.
    expect(sanitizeReturnTo('/%0d%0aSet-Cookie:x')).toBe('/%0d%0aSet-Cookie:x');
  });
});

describe('login without OIDC', () => {
  it('goes back to the sanitised path, relatively: never another host, never the bind address', async () => {
    const { startLogin } = await import('@/lib/server/auth');
    for (const [next, where] of [['/rules', '/rules'], ['/..//evil.example/phish', '/'], ['https://evil.example', '/']] as const) {
      const r = await startLogin(new Request(`http://0.0.0.0:3000/api/auth/login?next=${encodeURIComponent(next)}`), { mode: 'off', sessionHours: 12 } as AuthSettings);
      expect(r.status).toBe(303);
      expect(r.headers.get('location')).toBe(where);
    }
  });
});

describe('identity and allowed domains', () => {
  it('uses the e-mail address, or the subject without one', () => {
    expect(identityFromClaims({ sub: 's1', email: 'Ana@Example.com', email_verified: true }, [])).toEqual({ ok: true, user: 'ana@example.com' });
    expect(identityFromClaims({ sub: 's1' }, [])).toEqual({ ok: true, user: 's1' });
    expect(identityFromClaims({ sub: 's1', email: 'ana@example.com', email_verified: false }, [])).toEqual({ ok: true, user: 's1' });
    expect(identityFromClaims({}, []).ok).toBe(false);
  });

  it('requires a verified address in an allowed domain when domains are set', () => {
    const allowed = ['example.com', 'example.org'];
    expect(identityFromClaims({ sub: 's', email: 'ana@example.com', email_verified: true }, allowed)).toEqual({ ok: true, user: 'ana@example.com' });
    expect(identityFromClaims({ sub: 's', email: 'ana@EXAMPLE.org', email_verified: 'true' }, allowed)).toEqual({ ok: true, user: 'ana@example.org' });
    expect(identityFromClaims({ sub: 's', email: 'ana@example.com', email_verified: false }, allowed).ok).toBe(false);
    expect(identityFromClaims({ sub: 's', email: 'ana@example.com' }, allowed).ok).toBe(false);
    expect(identityFromClaims({ sub: 's', email: 'eve@evil.com', email_verified: true }, allowed).ok).toBe(false);
    expect(identityFromClaims({ sub: 's', email: 'eve@sub.example.com', email_verified: true }, allowed).ok).toBe(false);
    expect(identityFromClaims({ sub: 's', email: 'eve@example.com.evil.com', email_verified: true }, allowed).ok).toBe(false);
    expect(identityFromClaims({ sub: 's', email: 'eve@evil.com@example.com', email_verified: true }, allowed).ok).toBe(false);
    expect(identityFromClaims({ sub: 's' }, allowed).ok).toBe(false);
  });
});
