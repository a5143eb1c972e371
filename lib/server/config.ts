/**
 * The server's settings: environment variables only, read at run time (build once, deploy
 * anywhere). `readServerConfig(env)` checks every variable and returns either the settings or one
 * clear message per bad value; `serverConfig()` is the process's settings, read once.
 *
 * Every variable is listed in SETTINGS (name, what it does, default): .env.example documents each
 * one, and a test keeps the two in step.
 */
import { isIP } from 'node:net';
import { liveTuning, parseAssumeRoles } from './iam-source';
import { HttpError } from './http';

export type AuthMode = 'off' | 'oidc' | 'proxy';

export interface ServerConfig {
  auth: {
    mode: AuthMode;
    oidc?: {
      issuer: string;
      clientId: string;
      clientSecret: string;
      scopes: string;
      /** Lower-case e-mail domains allowed to sign in; empty: any account the provider accepts. */
      allowedDomains: string[];
    };
    /** The dashboard's own address as users reach it (https://rayguard.example.com): the OIDC redirect. */
    publicUrl?: string;
    /** Signs session cookies (oidc). At least 32 characters. */
    sessionSecret?: string;
    sessionHours: number;
    proxy?: {
      /** Lower-case header name carrying the signed-in user (x-forwarded-email). */
      header: string;
      /** Addresses (IPv4/IPv6, optional /prefix) the header is accepted from. */
      addresses: string[];
    };
  };
  rateLimit: {
    /** Validate and fix requests per minute per user (or client address); 0 turns the limit off. */
    perMinute: number;
    /** Share links created per 10 minutes per user (or client address); 0 turns the limit off. */
    sharePer10Minutes: number;
  };
  log: { level: LogLevel };
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'off';

export interface Setting {
  name: string;
  /** One line for .env.example and docs/deploy.md. */
  doc: string;
  /** Shown as the example value in .env.example ('' when unset by default). */
  example: string;
}

/** Every variable the server reads. */
export const SETTINGS: readonly Setting[] = [
  { name: 'RAYGUARD_IAM', doc: 'IAM source: auto (snapshot if RAYGUARD_IAM_SNAPSHOT is set, else live when AWS credentials are found, else the demo account), live, snapshot or demo', example: 'auto' },
  { name: 'RAYGUARD_IAM_SNAPSHOT', doc: 'Path to an `aws iam get-account-authorization-details` JSON file (the snapshot source)', example: '' },
  { name: 'RAYGUARD_ASSUME_ROLES', doc: 'Live source, other accounts: JSON {"<account id>": {"roleArn": "arn:aws:iam::<id>:role/<reader>", "externalId": "..."}}', example: '' },
  { name: 'RAYGUARD_IAM_RETRY_MODE', doc: 'Live source: AWS SDK retry mode, standard or adaptive', example: 'standard' },
  { name: 'RAYGUARD_IAM_MAX_ATTEMPTS', doc: 'Live source: attempts per IAM call (1-10)', example: '3' },
  { name: 'RAYGUARD_IAM_TIMEOUT_MS', doc: 'Live source: timeout per IAM call in milliseconds (100-120000)', example: '5000' },
  { name: 'RAYGUARD_IAM_CACHE_SECONDS', doc: 'Live source: how long IAM answers are cached (0-86400)', example: '60' },
  { name: 'RAYGUARD_DATABASE_URL', doc: 'Share store in PostgreSQL (postgres://user:password@host:5432/db); unset: SQLite in RAYGUARD_DATA_DIR', example: '' },
  { name: 'RAYGUARD_DATA_DIR', doc: 'Directory of the SQLite share store', example: './data' },
  { name: 'RAYGUARD_TRUST_PROXY', doc: 'Reverse proxies in front of the server that append X-Forwarded-For (0-10; true means 1): the client address for rate limits', example: '0' },
  { name: 'RAYGUARD_AUTH', doc: 'Sign-in: off (local use), oidc (OpenID Connect) or proxy (a trusted auth proxy sets a user header)', example: 'off' },
  { name: 'RAYGUARD_PUBLIC_URL', doc: 'The address users open (https://rayguard.example.com); needed for oidc (the redirect URI is <this>/api/auth/callback)', example: '' },
  { name: 'RAYGUARD_OIDC_ISSUER', doc: 'oidc: the issuer URL of the OpenID provider (its /.well-known/openid-configuration is read)', example: '' },
  { name: 'RAYGUARD_OIDC_CLIENT_ID', doc: 'oidc: the client id registered with the provider', example: '' },
  { name: 'RAYGUARD_OIDC_CLIENT_SECRET', doc: 'oidc: the client secret (keep it in a secret store, not in this file)', example: '' },
  { name: 'RAYGUARD_OIDC_SCOPES', doc: 'oidc: scopes requested', example: 'openid email profile' },
  { name: 'RAYGUARD_OIDC_ALLOWED_DOMAINS', doc: 'oidc: comma-separated e-mail domains allowed to sign in; unset: anyone the provider signs in', example: '' },
  { name: 'RAYGUARD_SESSION_SECRET', doc: 'oidc: at least 32 random characters that sign session cookies (openssl rand -base64 48)', example: '' },
  { name: 'RAYGUARD_SESSION_HOURS', doc: 'oidc: how long a sign-in lasts (1-720 hours)', example: '12' },
  { name: 'RAYGUARD_AUTH_PROXY_HEADER', doc: 'proxy: the header carrying the signed-in user', example: 'X-Forwarded-Email' },
  { name: 'RAYGUARD_AUTH_PROXY_ADDRESSES', doc: 'proxy: comma-separated addresses or CIDR ranges of the auth proxy; the header is ignored from anywhere else', example: '' },
  { name: 'RAYGUARD_RATE_LIMIT', doc: 'Validate and fix requests per minute per user or client address (0 turns it off)', example: '120' },
  { name: 'RAYGUARD_SHARE_RATE_LIMIT', doc: 'Share links created per 10 minutes per user or client address (0 turns it off)', example: '20' },
  { name: 'RAYGUARD_LOG_LEVEL', doc: 'debug, info, warn, error or off (JSON lines on stdout; never config text or secrets)', example: 'info' },
];

/** Read by the build (next.config.js) or the test tooling, not by the server: allowed in its environment. */
export const BUILD_TIME = ['RAYGUARD_DIST_DIR', 'RAYGUARD_PG_BIN', 'RAYGUARD_SARIF_SCHEMA', 'RAYGUARD_TEST_DATABASE_URL'];

type Env = Record<string, string | undefined>;

const get = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/** A value quoted back in a message: short, and never a secret (callers never pass one). */
const shown = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

function whole(env: Env, name: string, min: number, max: number, dflt: number, problems: string[]): number {
  const raw = get(env, name);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got ${shown(raw)})`);
    return dflt;
  }
  return n;
}

/** An absolute http(s) URL; plain http only for a loopback host. Returned without a trailing slash. */
function url(env: Env, name: string, problems: string[]): string | undefined {
  const raw = get(env, name);
  if (raw === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // not quoted: a malformed URL may still hold a password
    problems.push(`${name} must be an absolute URL such as https://host`);
    return undefined;
  }
  if (u.username || u.password || u.search || u.hash) {
    problems.push(`${name} must not carry credentials, a query or a fragment`);
    return undefined;
  }
  const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    problems.push(`${name} must use https (plain http only for localhost; got ${shown(raw)})`);
    return undefined;
  }
  return u.href.replace(/\/+$/, '');
}

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`. */
export function isAddressOrCidr(s: string): boolean {
  const [addr, prefix, extra] = s.split('/');
  const family = isIP(addr);
  if (extra !== undefined || family === 0 || addr.includes('%')) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export type ConfigResult = { ok: true; config: ServerConfig } | { ok: false; problems: string[] };

export function readServerConfig(env: Env): ConfigResult {
  const problems: string[] = [];

  // IAM: the same parsers the IAM source uses, so a bad value is reported at start-up.
  const iam = (get(env, 'RAYGUARD_IAM') ?? 'auto').toLowerCase();
  if (!['auto', 'live', 'snapshot', 'demo'].includes(iam)) problems.push(`RAYGUARD_IAM must be auto, live, snapshot or demo (got ${shown(iam)})`);
  if (iam === 'snapshot' && !get(env, 'RAYGUARD_IAM_SNAPSHOT')) problems.push('RAYGUARD_IAM=snapshot needs RAYGUARD_IAM_SNAPSHOT=<path to a get-account-authorization-details JSON>');
  const tuning = ['RAYGUARD_IAM_RETRY_MODE', 'RAYGUARD_IAM_MAX_ATTEMPTS', 'RAYGUARD_IAM_TIMEOUT_MS', 'RAYGUARD_IAM_CACHE_SECONDS'];
  // one variable at a time, so that each bad one is reported
  for (const check of [...tuning.map((name) => () => liveTuning({ [name]: env[name] })), () => parseAssumeRoles(env.RAYGUARD_ASSUME_ROLES)]) {
    try {
      check();
    } catch (e) {
      if (e instanceof HttpError) problems.push(e.message.replace(/^IAM is misconfigured on the server: /, ''));
      else throw e;
    }
  }

  const db = get(env, 'RAYGUARD_DATABASE_URL');
  if (db !== undefined && !/^postgres(?:ql)?:\/\/[^\s]+$/i.test(db)) problems.push('RAYGUARD_DATABASE_URL must be a postgres:// or postgresql:// URL');
  const proxyHops = get(env, 'RAYGUARD_TRUST_PROXY');
  if (proxyHops !== undefined && !/^(?:true|yes|false|no|\d{1,2})$/i.test(proxyHops)) problems.push(`RAYGUARD_TRUST_PROXY must be a number of proxies from 0 to 10, or true (got ${shown(proxyHops)})`);
  else if (proxyHops !== undefined && /^\d+$/.test(proxyHops) && Number(proxyHops) > 10) problems.push('RAYGUARD_TRUST_PROXY must be from 0 to 10');

  // A mistyped name must not leave a setting silently unset (a misspelt RAYGUARD_AUTH would leave
  // the dashboard open): every RAYGUARD_ variable must be one this server reads.
  const known = new Set([...SETTINGS.map((x) => x.name), ...BUILD_TIME]);
  for (const name of Object.keys(env)) {
    if (name.startsWith('RAYGUARD_') && !known.has(name)) problems.push(`${name} is not a Rayguard setting (a typo?); the settings are listed in .env.example`);
  }

  // Authentication.
  const modeRaw = (get(env, 'RAYGUARD_AUTH') ?? 'off').toLowerCase();
  let mode: AuthMode = 'off';
  if (modeRaw === 'off' || modeRaw === 'oidc' || modeRaw === 'proxy') mode = modeRaw;
  else problems.push(`RAYGUARD_AUTH must be off, oidc or proxy (got ${shown(modeRaw)})`);
  const auth: ServerConfig['auth'] = { mode, sessionHours: whole(env, 'RAYGUARD_SESSION_HOURS', 1, 720, 12, problems) };
  const publicUrl = url(env, 'RAYGUARD_PUBLIC_URL', problems);
  if (publicUrl) auth.publicUrl = publicUrl;
  if (mode === 'oidc') {
    const issuer = url(env, 'RAYGUARD_OIDC_ISSUER', problems);
    const clientId = get(env, 'RAYGUARD_OIDC_CLIENT_ID');
    const clientSecret = get(env, 'RAYGUARD_OIDC_CLIENT_SECRET');
    const secret = get(env, 'RAYGUARD_SESSION_SECRET');
    if (!get(env, 'RAYGUARD_OIDC_ISSUER')) problems.push('RAYGUARD_AUTH=oidc needs RAYGUARD_OIDC_ISSUER (the provider\'s issuer URL)');
    if (!clientId) problems.push('RAYGUARD_AUTH=oidc needs RAYGUARD_OIDC_CLIENT_ID');
    if (!clientSecret) problems.push('RAYGUARD_AUTH=oidc needs RAYGUARD_OIDC_CLIENT_SECRET');
    if (!get(env, 'RAYGUARD_PUBLIC_URL')) problems.push('RAYGUARD_AUTH=oidc needs RAYGUARD_PUBLIC_URL (the address users open; the redirect URI is <it>/api/auth/callback)');
    if (!secret) problems.push('RAYGUARD_AUTH=oidc needs RAYGUARD_SESSION_SECRET (at least 32 random characters)');
    else if (secret.length < 32) problems.push(`RAYGUARD_SESSION_SECRET must be at least 32 characters (it has ${secret.length})`);
    else auth.sessionSecret = secret;
    const domains = (get(env, 'RAYGUARD_OIDC_ALLOWED_DOMAINS') ?? '').split(',').map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean);
    for (const d of domains) if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(d)) problems.push(`RAYGUARD_OIDC_ALLOWED_DOMAINS: ${shown(d)} is not a domain`);
    if (issuer && clientId && clientSecret) {
      auth.oidc = { issuer, clientId, clientSecret, scopes: get(env, 'RAYGUARD_OIDC_SCOPES') ?? 'openid email profile', allowedDomains: domains };
      if (!auth.oidc.scopes.split(/\s+/).includes('openid')) problems.push('RAYGUARD_OIDC_SCOPES must include openid');
    }
  }
  const oidcOnly = ['RAYGUARD_OIDC_ISSUER', 'RAYGUARD_OIDC_CLIENT_ID', 'RAYGUARD_OIDC_CLIENT_SECRET', 'RAYGUARD_OIDC_SCOPES', 'RAYGUARD_OIDC_ALLOWED_DOMAINS', 'RAYGUARD_SESSION_SECRET'];
  const proxyOnly = ['RAYGUARD_AUTH_PROXY_HEADER', 'RAYGUARD_AUTH_PROXY_ADDRESSES'];
  for (const name of [...(mode === 'oidc' ? [] : oidcOnly), ...(mode === 'proxy' ? [] : proxyOnly)]) {
    if (get(env, name) !== undefined) problems.push(`${name} is set but RAYGUARD_AUTH is ${mode}: set RAYGUARD_AUTH=${oidcOnly.includes(name) ? 'oidc' : 'proxy'} to turn sign-in on, or remove ${name}`);
  }
  if (mode === 'proxy') {
    const header = (get(env, 'RAYGUARD_AUTH_PROXY_HEADER') ?? 'X-Forwarded-Email').toLowerCase();
    if (!/^[a-z0-9-]{1,64}$/.test(header)) problems.push(`RAYGUARD_AUTH_PROXY_HEADER must be a header name (got ${shown(header)})`);
    const addresses = (get(env, 'RAYGUARD_AUTH_PROXY_ADDRESSES') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    if (addresses.length === 0) problems.push('RAYGUARD_AUTH=proxy needs RAYGUARD_AUTH_PROXY_ADDRESSES (the auth proxy\'s addresses or CIDR ranges; the header is trusted from nowhere else)');
    for (const a of addresses) {
      if (!isAddressOrCidr(a)) problems.push(`RAYGUARD_AUTH_PROXY_ADDRESSES: ${shown(a)} is not an IP address or CIDR range`);
      else if (/\/0$/.test(a)) problems.push(`RAYGUARD_AUTH_PROXY_ADDRESSES: ${shown(a)} trusts the user header from every address; name the proxy's own addresses`);
    }
    auth.proxy = { header, addresses };
  }

  const rateLimit = {
    perMinute: whole(env, 'RAYGUARD_RATE_LIMIT', 0, 100_000, DEFAULT_RATE_LIMITS.perMinute, problems),
    sharePer10Minutes: whole(env, 'RAYGUARD_SHARE_RATE_LIMIT', 0, 100_000, DEFAULT_RATE_LIMITS.sharePer10Minutes, problems),
  };
  const levelRaw = (get(env, 'RAYGUARD_LOG_LEVEL') ?? 'info').toLowerCase();
  const levels: LogLevel[] = ['debug', 'info', 'warn', 'error', 'off'];
  if (!levels.includes(levelRaw as LogLevel)) problems.push(`RAYGUARD_LOG_LEVEL must be one of ${levels.join(', ')} (got ${shown(levelRaw)})`);
  const log = { level: (levels.includes(levelRaw as LogLevel) ? levelRaw : 'info') as LogLevel };

  return problems.length ? { ok: false, problems } : { ok: true, config: { auth, rateLimit, log } };
}

/** Static AWS keys in the dashboard's own environment: it should run on a role, like the clusters it checks. */
export function staticKeyWarning(env: Env): string | undefined {
  if (!get(env, 'AWS_ACCESS_KEY_ID') && !get(env, 'AWS_SECRET_ACCESS_KEY')) return undefined;
  const session = get(env, 'AWS_SESSION_TOKEN') ? ' (with a session token: temporary, but still handed to the process rather than fetched from a role)' : '';
  return `static AWS keys found in the server's environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)${session}. Run Rayguard with an instance profile, an ECS task role or IRSA / EKS Pod Identity instead; see docs/deploy.md`;
}

let cached: ServerConfig | undefined;

/** The process's settings. Start-up (instrumentation.ts) has already refused bad ones; should a bad value get here anyway, a clear 503. */
export function serverConfig(env: Env = process.env): ServerConfig {
  if (cached) return cached;
  const r = readServerConfig(env);
  if (!r.ok) throw new HttpError(503, `the server is misconfigured: ${r.problems.join('; ')}`);
  cached = r.config;
  return cached;
}

export const DEFAULT_RATE_LIMITS: ServerConfig['rateLimit'] = { perMinute: 120, sharePer10Minutes: 20 };

/** The rate limits in force; the defaults when the settings cannot be read (start-up refuses bad ones, so only tests see that). */
export function rateLimits(): ServerConfig['rateLimit'] {
  try {
    return serverConfig().rateLimit;
  } catch {
    return DEFAULT_RATE_LIMITS;
  }
}

/** Forget the settings (tests). */
export function resetServerConfig(): void {
  cached = undefined;
}
