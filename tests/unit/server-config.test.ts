import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_TIME, isAddressOrCidr, readServerConfig, SETTINGS, staticKeyWarning } from '@/lib/server/config';
import { checkStartup } from '@/lib/server/startup';
import { setLogLevel, setLogSink } from '@/lib/server/log';

const root = path.resolve(__dirname, '../..');

function problems(env: Record<string, string>): string[] {
  const r = readServerConfig(env);
  return r.ok ? [] : r.problems;
}

describe('server settings', () => {
  it('an empty environment is a valid local setup: no sign-in, limits on, info logs', () => {
    const r = readServerConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.auth.mode).toBe('off');
    expect(r.config.rateLimit).toEqual({ perMinute: 120, sharePer10Minutes: 20 });
    expect(r.config.log.level).toBe('info');
  });

  it('one clear message per bad value, naming the variable and the accepted values', () => {
    const p = problems({
      RAYGUARD_IAM: 'sometimes',
      RAYGUARD_IAM_MAX_ATTEMPTS: '0',
      RAYGUARD_IAM_RETRY_MODE: 'eager',
      RAYGUARD_ASSUME_ROLES: '{not json',
      RAYGUARD_DATABASE_URL: 'mysql://x',
      RAYGUARD_TRUST_PROXY: 'maybe',
      RAYGUARD_RATE_LIMIT: '-3',
      RAYGUARD_SHARE_RATE_LIMIT: '1.5',
      RAYGUARD_LOG_LEVEL: 'verbose',
      RAYGUARD_AUTH: 'ldap',
    });
    expect(p).toHaveLength(10);
    for (const name of ['RAYGUARD_IAM ', 'RAYGUARD_IAM_MAX_ATTEMPTS', 'RAYGUARD_IAM_RETRY_MODE', 'RAYGUARD_ASSUME_ROLES', 'RAYGUARD_DATABASE_URL', 'RAYGUARD_TRUST_PROXY', 'RAYGUARD_RATE_LIMIT ', 'RAYGUARD_SHARE_RATE_LIMIT', 'RAYGUARD_LOG_LEVEL', 'RAYGUARD_AUTH ']) {
      expect(p.filter((m) => `${m} `.startsWith(name)), name).toHaveLength(1);
    }
    expect(p.join('\n')).toContain('auto, live, snapshot or demo');
  });

  it('oidc needs its issuer, client, public URL and a long session secret; secrets are never quoted back', () => {
    const secret = 'sEcReT-value-that-must-not-appear';
    const p = problems({ RAYGUARD_AUTH: 'oidc', RAYGUARD_OIDC_CLIENT_SECRET: secret, RAYGUARD_SESSION_SECRET: 'short' });
    expect(p.join('\n')).toMatch(/RAYGUARD_OIDC_ISSUER/);
    expect(p.join('\n')).toMatch(/RAYGUARD_OIDC_CLIENT_ID/);
    expect(p.join('\n')).toMatch(/RAYGUARD_PUBLIC_URL/);
    expect(p.join('\n')).toMatch(/RAYGUARD_SESSION_SECRET must be at least 32 characters \(it has 5\)/);
    expect(p.join('\n')).not.toContain(secret);
    expect(p.join('\n')).not.toContain('short');

    const good = readServerConfig({
      RAYGUARD_AUTH: 'oidc',
      RAYGUARD_OIDC_ISSUER: 'https://login.example.com/realms/ray/',
      RAYGUARD_OIDC_CLIENT_ID: 'rayguard',
      RAYGUARD_OIDC_CLIENT_SECRET: secret,
      RAYGUARD_PUBLIC_URL: 'https://rayguard.example.com/',
      RAYGUARD_SESSION_SECRET: 'x'.repeat(32),
      RAYGUARD_OIDC_ALLOWED_DOMAINS: 'Example.com, @corp.example.org',
    });
    expect(good.ok).toBe(true);
    if (!good.ok) return;
    expect(good.config.auth.publicUrl).toBe('https://rayguard.example.com');
    expect(good.config.auth.oidc).toMatchObject({ issuer: 'https://login.example.com/realms/ray', allowedDomains: ['example.com', 'corp.example.org'], scopes: 'openid email profile' });
  });

  it('a mistyped name is an error, not a silently unset setting; sign-in settings need their sign-in mode', () => {
    expect(problems({ RAYGUARD_AUTH_MODE: 'oidc' }).join()).toMatch(/RAYGUARD_AUTH_MODE is not a Rayguard setting/);
    expect(problems({ RAYGUARD_RATELIMIT: '5' }).join()).toMatch(/RAYGUARD_RATELIMIT is not a Rayguard setting/);
    expect(problems({ RAYGUARD_DIST_DIR: '.next-x' })).toEqual([]);
    expect(problems({ RAYGUARD_OIDC_ISSUER: 'https://id.example.com' }).join()).toMatch(/RAYGUARD_OIDC_ISSUER is set but RAYGUARD_AUTH is off/);
    expect(problems({ RAYGUARD_AUTH: '  ', RAYGUARD_AUTH_PROXY_ADDRESSES: '10.0.0.1' }).join()).toMatch(/RAYGUARD_AUTH=proxy/);
    expect(problems({ RAYGUARD_AUTH: 'proxy', RAYGUARD_AUTH_PROXY_ADDRESSES: '10.0.0.1', RAYGUARD_SESSION_SECRET: 'x'.repeat(40) }).join()).toMatch(/RAYGUARD_SESSION_SECRET is set but RAYGUARD_AUTH is proxy/);
    expect(problems({ RAYGUARD_AUTH: 'proxy', RAYGUARD_AUTH_PROXY_ADDRESSES: '0.0.0.0/0' }).join()).toMatch(/from every address/);
    expect(problems({ RAYGUARD_IAM_TIMEOUT_MS: '1e3', RAYGUARD_IAM_CACHE_SECONDS: '0x5' })).toHaveLength(2);
  });

  it('URLs: https, or http on loopback only; no credentials in them', () => {
    expect(problems({ RAYGUARD_PUBLIC_URL: 'http://user:Pw-not-shown-77@rayguard.example.com' }).join()).not.toContain('Pw-not-shown-77');
    expect(problems({ RAYGUARD_PUBLIC_URL: 'ht!tp://user:Pw-not-shown-77@x' }).join()).not.toContain('Pw-not-shown-77');
    expect(problems({ RAYGUARD_PUBLIC_URL: 'http://rayguard.example.com' }).join()).toMatch(/must use https/);
    expect(problems({ RAYGUARD_PUBLIC_URL: 'http://127.0.0.1:3000' })).toEqual([]);
    expect(problems({ RAYGUARD_PUBLIC_URL: 'https://u:p@h.example.com' }).join()).toMatch(/must not carry credentials/);
    expect(problems({ RAYGUARD_PUBLIC_URL: 'rayguard.example.com' }).join()).toMatch(/absolute URL/);
  });

  it('proxy sign-in needs the proxy addresses, each an address or CIDR range', () => {
    expect(problems({ RAYGUARD_AUTH: 'proxy' }).join()).toMatch(/RAYGUARD_AUTH_PROXY_ADDRESSES/);
    expect(problems({ RAYGUARD_AUTH: 'proxy', RAYGUARD_AUTH_PROXY_ADDRESSES: '10.0.0.0/8, fd00::/8, 127.0.0.1' })).toEqual([]);
    expect(problems({ RAYGUARD_AUTH: 'proxy', RAYGUARD_AUTH_PROXY_ADDRESSES: '10.0.0.0/33' }).join()).toMatch(/not an IP address or CIDR/);
    for (const ok of ['10.1.2.3', '0.0.0.0/0', '::1', '::/0', '2001:db8::/32', '::ffff:10.0.0.1']) expect(isAddressOrCidr(ok), ok).toBe(true);
    for (const bad of ['10.1.2', '256.1.1.1', 'proxy.internal', '1.2.3.4/8/1', ':::1', '10.0.0.1/-1', '']) expect(isAddressOrCidr(bad), bad).toBe(false);
  });

  it('warns when the dashboard itself holds static AWS keys, and not otherwise', () => {
    expect(staticKeyWarning({})).toBeUndefined();
    expect(staticKeyWarning({ AWS_PROFILE: 'x', AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/r' })).toBeUndefined();
    const w = staticKeyWarning({ AWS_ACCESS_KEY_ID: 'AKIA' + 'Q'.repeat(16), AWS_SECRET_ACCESS_KEY: 'y'.repeat(40) });
    expect(w).toMatch(/static AWS keys/);
    expect(w).not.toContain('QQQQ');
    expect(w).toMatch(/instance profile/);
  });
});

describe('start-up', () => {
  let lines: string[] = [];
  beforeEach(() => {
    lines = [];
    setLogSink((l) => lines.push(l));
  });
  afterEach(() => {
    setLogSink(null);
    setLogLevel('info');
  });

  it('logs each bad value as its own JSON line and refuses to start', () => {
    expect(checkStartup({ RAYGUARD_IAM: 'sometimes', RAYGUARD_RATE_LIMIT: 'lots' })).toBe(false);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.filter((p) => p.msg === 'bad setting').map((p) => p.problem)).toHaveLength(2);
    expect(parsed.at(-1)).toMatchObject({ level: 'error', problems: 2 });
  });

  it('starts with a warning, never the key, when static keys are in its environment', () => {
    const key = 'AKIA' + 'Z'.repeat(16);
    expect(checkStartup({ AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: 'w'.repeat(40) })).toBe(true);
    expect(lines.some((l) => JSON.parse(l).level === 'warn' && /static AWS keys/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain(key);
    expect(lines.join('\n')).not.toContain('w'.repeat(40));
  });
});

describe('.env.example', () => {
  const text = readFileSync(path.join(root, '.env.example'), 'utf8');
  const names = [...text.matchAll(/^#? ?(RAYGUARD_[A-Z0-9_]+)=/gm)].map((m) => m[1]);

  it('documents every setting the server reads, once, and nothing else', () => {
    expect([...names].sort()).toEqual(SETTINGS.map((s) => s.name).sort());
  });

  it('every value it shows is valid (copying it as is starts the server)', () => {
    const env = Object.fromEntries([...text.matchAll(/^(RAYGUARD_[A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(readServerConfig(env)).toMatchObject({ ok: true });
  });

  it('every RAYGUARD_ variable read anywhere in the server code is a listed setting', () => {
    const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
    const out = execFileSync('grep', ['-rhoE', 'RAYGUARD_[A-Z0-9_]+', 'lib', 'app', 'instrumentation.ts'], { cwd: root, encoding: 'utf8' });
    const read = new Set(out.split('\n').filter(Boolean));
    for (const n of BUILD_TIME) read.delete(n); // the build's and the test tooling's, not run-time settings
    const listed = new Set(SETTINGS.map((s) => s.name));
    expect([...read].filter((n) => !listed.has(n))).toEqual([]);
  });
});
