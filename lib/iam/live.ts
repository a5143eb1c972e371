/**
 * The live IAM source: the IAM API of the account the dashboard's own AWS credentials belong to,
 * through @aws-sdk/client-iam, and other accounts of the same partition through sts:AssumeRole.
 *
 * - Credentials: the SDK's default Node chain (env, shared files, SSO, web identity, container,
 *   instance metadata) unless `credentials` is given. The SDK's endpoint settings are honoured
 *   (AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL), `endpoint` overrides them.
 * - IAM is global per partition: the client signs for us-east-1 (aws), cn-north-1 (aws-cn),
 *   us-gov-west-1 (aws-us-gov).
 * - Every SDK call goes through one path: a TTL cache (answers and NoSuchEntity, never errors),
 *   collapsing of identical in-flight requests, the SDK's retries (standard or adaptive), a
 *   per-attempt timeout, and error mapping to IamUnavailableError with a reason a user can act
 *   on. Reasons never contain credential material.
 */
import {
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
  type ContextEntry,
  type EvaluationResult,
  type IAMClientConfig,
  type InstanceProfile,
  type Role,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import { iamRegionOfPartition, parseIamArn, partitionOfRegion } from '../arn/index';
import { decodePolicy } from './policy';
import { UnavailableIamSource } from './unavailable';
import {
  IamUnavailableError,
  type IamInstanceProfile,
  type IamPolicy,
  type IamRole,
  type IamRolePolicies,
  type IamSource,
  type IamSourceInfo,
  type SimulationAnswer,
  type SimulationQuestion,
} from './types';

// ---------------------------------------------------------------------------------------------
// Options and public shapes

/** Credentials as the SDK takes them: a value or a provider. */
export type LiveCredentials = NonNullable<IAMClientConfig['credentials']>;
type AwsCredentialIdentityProvider = Extract<LiveCredentials, (...args: never[]) => unknown>;
type AwsCredentialIdentity = Exclude<LiveCredentials, AwsCredentialIdentityProvider>;

export interface AssumeRoleTarget {
  roleArn: string;
  externalId?: string;
}

export interface LiveOptions {
  /** IAM endpoint (tests: moto). Default: the SDK's (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, AWS's). */
  endpoint?: string;
  /** STS endpoint. Default: the SDK's (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, AWS's regional one). */
  stsEndpoint?: string;
  /** STS region. Default: the SDK's configured region when it is in the partition, else the partition's IAM region. */
  stsRegion?: string;
  /** Partition of the credentials. Default: from the GetCallerIdentity ARN. */
  partition?: string;
  /** Explicit credentials (or a provider). Default: the SDK's default Node chain. */
  credentials?: LiveCredentials;
  /** SDK retry mode. Default 'standard'. */
  retryMode?: 'standard' | 'adaptive';
  /** Attempts per SDK call, retries included. Default 3. */
  maxAttempts?: number;
  /**
   * Base of the retry backoff in ms. Default: the SDK's (50 ms; throttling errors wait 20x that).
   * Given, both scale: throttling retries then wait up to 20x this base, times 2^retry.
   */
  retryBaseDelayMs?: number;
  /** Per-attempt timeout (connection and whole request), ms. Default 5000. */
  timeoutMs?: number;
  /** How long answers (and NoSuchEntity) are reused, ms. Default 60 000. 0 disables the cache. */
  ttlMs?: number;
  /** Upper bound on listInstanceProfiles. Default 1000. */
  maxListedProfiles?: number;
  /** MaxItems per page of the listings (1-1000). Default: IAM's default for the call (100), 1000 for ListInstanceProfiles. */
  listPageSize?: number;
  /** Roles to assume for other accounts (the server parses them from RAYGUARD_ASSUME_ROLES). Default none. */
  assumeRoles?: Record<string, AssumeRoleTarget>;
  /** Lifetime of assumed-role sessions, seconds. Default 3600. */
  assumeRoleDurationSeconds?: number;
  /** Session name for sts:AssumeRole. Default 'rayguard'. */
  roleSessionName?: string;
  /** Clock (tests). Default Date.now. */
  now?: () => number;
}

export interface LiveStats {
  /** SDK calls sent, by operation (one per `send`, whatever the retries). */
  calls: Record<string, number>;
  /** HTTP attempts made, by operation (retries included). */
  attempts: Record<string, number>;
  /** Answers served from the TTL cache. */
  cacheHits: number;
  /** Requests that joined an identical request already in flight. */
  collapsed: number;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const NOT_FOUND: unique symbol = Symbol('NoSuchEntity');
type NotFound = typeof NOT_FOUND;

const sortKeys = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort()
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
};
const stableKey = (op: string, input: unknown) => `${op} ${JSON.stringify(sortKeys(input))}`;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Removes anything that looks like credential material from a text meant for users. */
export function scrubReason(text: string): string {
  return text
    .replace(/\b(?:AKIA|ASIA|AIDA|AROA|ANPA|AGPA)[A-Z0-9]{12,}\b/g, '[redacted]')
    .replace(/[A-Za-z0-9/+=]{40,}/g, '[redacted]');
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1))} s`;

// ---------------------------------------------------------------------------------------------
// Error mapping

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
]);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess']);
const BAD_CREDENTIALS = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'AuthFailure']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** What an AccessDenied on each operation means, for the reason. */
const MAY_NOT: Record<string, string> = {
  GetInstanceProfile: 'read instance profiles',
  ListInstanceProfiles: 'list instance profiles',
  ListInstanceProfilesForRole: 'list the instance profiles of a role',
  GetRole: 'read roles',
  ListAttachedRolePolicies: "list a role's managed policies",
  ListRolePolicies: "list a role's inline policies",
  GetRolePolicy: "read a role's inline policies",
  GetPolicy: 'read managed policies',
  GetPolicyVersion: 'read managed policy documents',
  SimulatePrincipalPolicy: 'use the IAM policy simulator',
  GetCallerIdentity: 'call sts:GetCallerIdentity',
  AssumeRole: 'assume that role (check its trust policy and the sts:AssumeRole permission of the credentials)',
};

const codeOf = (e: SdkErrorLike): string => str(e.Code) || str(e.name) || str(e.code);

function isNoSuchEntity(e: SdkErrorLike): boolean {
  return e.name === 'NoSuchEntityException' || e.Code === 'NoSuchEntity' || e.name === 'NoSuchEntity';
}

/** The endpoint answered something that is not AWS's protocol at all (moto: an HTML 500 page). */
function isNotImplemented(e: SdkErrorLike): boolean {
  if (e.name === 'NotImplementedByEndpoint') return true;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode ?? 0;
  if (status === 501 || codeOf(e) === 'NotImplemented' || codeOf(e) === 'InvalidAction') return true;
  const ct = String(e.$response?.headers?.['content-type'] ?? '');
  const unparsable = /html/i.test(ct) || /parse error|Deserialization error/i.test(str(e.message));
  return status >= 500 && unparsable;
}

/** The user-facing reason for a failed call. `service` is 'iam' or 'sts'. */
export function describeAwsError(e: unknown, service: 'iam' | 'sts', op: string, ctx: { timeoutMs: number; host?: string }): string {
  if (e instanceof IamUnavailableError) return e.reason;
  const err = (e && typeof e === 'object' ? e : { message: String(e) }) as SdkErrorLike;
  const call = `${service}:${op}`;
  const svc = service.toUpperCase();
  const code = codeOf(err);
  const status = err.$metadata?.httpStatusCode ?? err.$response?.statusCode;
  const attempts = err.$metadata?.attempts ?? 1;
  const afterAttempts = attempts > 1 ? ` after ${attempts} attempts` : '';

  if (err.name === 'CredentialsProviderError' || /Could not load credentials/i.test(str(err.message))) {
    return 'no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role)';
  }
  if (err.name === 'NotImplementedByEndpoint') return `the ${svc} endpoint does not implement ${call}`;
  if (THROTTLING.has(code)) return `throttled by ${svc} on ${call}${afterAttempts || ` after ${attempts} attempt`}`;
  if (DENIED.has(code)) {
    return `AccessDenied on ${call} (the credentials in use may not ${MAY_NOT[op] ?? `call ${call}`})`;
  }
  if (BAD_CREDENTIALS.has(code)) {
    return `AWS rejected the credentials in use (${code} on ${call}): the access key is unknown, deactivated, or from another partition`;
  }
  if (code === 'SignatureDoesNotMatch') {
    return `AWS rejected the credentials in use (SignatureDoesNotMatch on ${call}): the secret key does not match the access key, or the clock is off`;
  }
  if (EXPIRED.has(code)) return `the AWS credentials in use have expired (${code} on ${call}); refresh them`;
  if (code === 'TimeoutError' || err.code === 'ETIMEDOUT' || code === 'RequestTimeout') {
    return `${svc} did not answer ${call} within ${seconds(ctx.timeoutMs)}${attempts > 1 ? ` (${attempts} attempts)` : ''}`;
  }
  if (err.name === 'AbortError') return `${call} was cancelled`;
  if (NETWORK.has(str(err.code)) || NETWORK.has(code)) {
    return `could not reach ${svc}${ctx.host ? ` at ${ctx.host}` : ''} for ${call} (${err.code ?? code})`;
  }
  if (status !== undefined && status >= 500) {
    const known = code && !/^(Error|.*Exception)$/.test(code) && !/parse error/i.test(str(err.message)) ? ` (${code})` : '';
    return `${svc} endpoint error ${status} on ${call}${known}${afterAttempts}`;
  }
  if (code === 'ValidationError' || code === 'InvalidInput' || code === 'InvalidInputException' || code === 'MalformedPolicyDocument') {
    const msg = scrubReason(str(err.message)).slice(0, 200);
    return `${svc} rejected ${call} as invalid (${code})${msg ? `: ${msg}` : ''}`;
  }
  if (/parse error|Deserialization error/i.test(str(err.message))) {
    return `unexpected answer from the ${svc} endpoint to ${call}${status ? ` (HTTP ${status})` : ''}: not AWS's XML`;
  }
  if (status !== undefined && code) return `${svc} refused ${call}: ${code} (HTTP ${status})`;
  return `${call} failed (${code || 'unknown error'})`;
}

// ---------------------------------------------------------------------------------------------
// Clients

const SDK_BASE_DELAY_MS = 50;

function retryStrategy(opts: LiveOptions, maxAttempts: number) {
  if (opts.retryBaseDelayMs === undefined) return undefined;
  const scale = opts.retryBaseDelayMs / SDK_BASE_DELAY_MS;
  let base = opts.retryBaseDelayMs;
  const backoff = {
    // The strategy passes its base (50 ms, or 1 s for throttling): scale it.
    setDelayBase(d: number) {
      base = d * scale;
    },
    computeNextBackoffDelay(i: number) {
      return Math.floor(Math.random() * Math.min(base * 2 ** i, 20_000));
    },
  };
  return opts.retryMode === 'adaptive'
    ? new AdaptiveRetryStrategy(maxAttempts, { backoff })
    : new StandardRetryStrategy({ maxAttempts, backoff });
}

interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: LiveCredentials;
}

function clientConfig(opts: LiveOptions, s: ClientSettings) {
  const maxAttempts = opts.maxAttempts ?? 3;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const strategy = retryStrategy(opts, maxAttempts);
  return {
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
    ...(strategy ? { retryStrategy: strategy } : { maxAttempts, retryMode: opts.retryMode ?? 'standard' }),
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  };
}

type Counter = (op: string) => void;

/**
 * Counts HTTP attempts per operation, and turns a non-AWS 5xx answer to SimulatePrincipalPolicy
 * (an endpoint that does not implement it) into a non-retryable error: it will not start working
 * on the next attempt.
 */
function instrument(client: IAMClient | STSClient, countAttempt: Counter) {
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const op = str(context.commandName).replace(/Command$/, '');
      countAttempt(op);
      try {
        return await next(args);
      } catch (e) {
        if (op === 'SimulatePrincipalPolicy' && isNotImplemented(e as SdkErrorLike)) {
          const status = (e as SdkErrorLike).$metadata?.httpStatusCode;
          throw Object.assign(new Error(`the endpoint does not implement SimulatePrincipalPolicy (HTTP ${status})`), {
            name: 'NotImplementedByEndpoint',
            $metadata: {},
          });
        }
        throw e;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'rayguardAttemptCounter' },
  );
}

// ---------------------------------------------------------------------------------------------
// The family of sources: one per account, sharing options, STS and the client cache.

interface Family {
  opts: LiveOptions;
  partition: string;
  rootAccount: string;
  sts: STSClient;
  stsStats: LiveStats;
  /** One IAM client per partition+account. */
  clients: Map<string, IAMClient>;
  /** Sources for other accounts (forAccount), and their creation in flight. */
  sources: Map<string, LiveIamSource>;
  pending: Map<string, Promise<LiveIamSource | { unavailable: string }>>;
  assumeRoles: Record<string, AssumeRoleTarget>;
}

function newStats(): LiveStats {
  return { calls: {}, attempts: {}, cacheHits: 0, collapsed: 0 };
}
const bump = (rec: Record<string, number>, op: string) => {
  rec[op] = (rec[op] ?? 0) + 1;
};

interface CacheEntry {
  expires: number;
  value: unknown;
}

const MAX_CACHE_ENTRIES = 20_000;

export class LiveIamSource implements IamSource {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private counters: LiveStats = newStats();
  /** Why SimulatePrincipalPolicy is not available here, once known (it is not asked again). */
  private simulateUnavailable: string | null = null;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  /** Use createLiveIamSource. */
  constructor(
    private readonly family: Family,
    private readonly client: IAMClient,
    private readonly meta: IamSourceInfo,
  ) {
    this.ttlMs = family.opts.ttlMs ?? 60_000;
    this.timeoutMs = family.opts.timeoutMs ?? 5000;
    this.now = family.opts.now ?? Date.now;
    instrument(client, (op) => bump(this.counters.attempts, op));
  }

  info(): IamSourceInfo {
    return { ...this.meta };
  }

  /** SDK calls sent by this source (plus the STS calls of the family, for the root source). */
  stats(): LiveStats {
    const s = this.counters;
    const out: LiveStats = { calls: { ...s.calls }, attempts: { ...s.attempts }, cacheHits: s.cacheHits, collapsed: s.collapsed };
    if (this.meta.accountId === this.family.rootAccount) {
      for (const [k, v] of Object.entries(this.family.stsStats.calls)) out.calls[k] = (out.calls[k] ?? 0) + v;
      for (const [k, v] of Object.entries(this.family.stsStats.attempts)) out.attempts[k] = (out.attempts[k] ?? 0) + v;
    }
    return out;
  }

  resetStats(): void {
    this.counters = newStats();
    if (this.meta.accountId === this.family.rootAccount) {
      this.family.stsStats.calls = {};
      this.family.stsStats.attempts = {};
    }
  }

  /** Forgets cached answers (and whether the simulator is available). */
  clearCache(): void {
    this.cache.clear();
    this.simulateUnavailable = null;
  }

  /** Why simulate() resolves null without asking, when that is known. */
  simulatorUnavailableReason(): string | null {
    return this.simulateUnavailable;
  }

  // --- the one path every IAM call takes ---------------------------------------------------

  private host(): string | undefined {
    const e = this.family.opts.endpoint;
    if (!e) return undefined;
    try {
      return new URL(e).host;
    } catch {
      return undefined;
    }
  }

  /**
   * Sends one IAM call through cache, collapsing and error mapping. NoSuchEntity resolves
   * NOT_FOUND (cached); every other failure rejects with IamUnavailableError (not cached).
   */
  private call<O>(op: string, input: object, send: () => Promise<O>): Promise<O | NotFound> {
    const key = stableKey(op, input);
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) {
      this.counters.cacheHits++;
      return Promise.resolve(hit.value as O | NotFound);
    }
    if (hit) this.cache.delete(key);
    const running = this.inflight.get(key);
    if (running) {
      this.counters.collapsed++;
      return running as Promise<O | NotFound>;
    }
    bump(this.counters.calls, op);
    const p = (async (): Promise<O | NotFound> => {
      let value: O | NotFound;
      try {
        value = await send();
      } catch (e) {
        if (isNoSuchEntity(e as SdkErrorLike)) value = NOT_FOUND;
        else throw new IamUnavailableError(scrubReason(describeAwsError(e, 'iam', op, { timeoutMs: this.timeoutMs, host: this.host() })));
      }
      this.remember(key, value);
      return value;
    })();
    this.inflight.set(key, p);
    const done = () => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    };
    p.then(done, done);
    return p;
  }

  private remember(key: string, value: unknown) {
    if (this.ttlMs <= 0) return;
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      const now = this.now();
      for (const [k, v] of this.cache) if (v.expires <= now) this.cache.delete(k);
      // Still full: drop the oldest tenth.
      if (this.cache.size >= MAX_CACHE_ENTRIES) {
        let n = Math.ceil(MAX_CACHE_ENTRIES / 10);
        for (const k of this.cache.keys()) {
          if (n-- <= 0) break;
          this.cache.delete(k);
        }
      }
    }
    this.cache.set(key, { expires: this.now() + this.ttlMs, value });
  }

  // --- IamSource ---------------------------------------------------------------------------

  async getInstanceProfile(name: string): Promise<IamInstanceProfile | null> {
    const input = { InstanceProfileName: name };
    const out = await this.call('GetInstanceProfile', input, () => this.client.send(new GetInstanceProfileCommand(input)));
    if (out === NOT_FOUND || !out.InstanceProfile) return null;
    return toProfile(out.InstanceProfile);
  }

  async listInstanceProfilesForRole(roleName: string): Promise<IamInstanceProfile[] | null> {
    const out: IamInstanceProfile[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 100; page++) {
      const input = { RoleName: roleName, Marker: marker, MaxItems: this.family.opts.listPageSize };
      const res = await this.call('ListInstanceProfilesForRole', input, () =>
        this.client.send(new ListInstanceProfilesForRoleCommand(input)),
      );
      if (res === NOT_FOUND) return null;
      for (const p of res.InstanceProfiles ?? []) out.push(toProfile(p));
      if (!res.IsTruncated || !res.Marker) break;
      marker = res.Marker;
    }
    if (out.length === 0) {
      // IAM answers NoSuchEntity for an unknown role; some endpoints (moto) list nothing instead.
      // The listing itself succeeded: a failure of this confirmation leaves it as it is.
      const role = await this.call('GetRole', { RoleName: roleName }, () => this.client.send(new GetRoleCommand({ RoleName: roleName }))).catch(
        () => undefined,
      );
      if (role === NOT_FOUND) return null;
    }
    return out;
  }

  async listInstanceProfiles(): Promise<IamInstanceProfile[]> {
    const max = this.family.opts.maxListedProfiles ?? 1000;
    const out: IamInstanceProfile[] = [];
    let marker: string | undefined;
    while (out.length < max) {
      const input = { Marker: marker, MaxItems: Math.min(this.family.opts.listPageSize ?? 1000, max - out.length) };
      const res = await this.call('ListInstanceProfiles', input, () => this.client.send(new ListInstanceProfilesCommand(input)));
      if (res === NOT_FOUND) break;
      for (const p of res.InstanceProfiles ?? []) if (out.length < max) out.push(toProfile(p));
      if (!res.IsTruncated || !res.Marker) break;
      marker = res.Marker;
    }
    return out;
  }

  async listAttachedPolicies(roleName: string): Promise<Array<{ name: string; arn: string }> | null> {
    const attached = await this.attachedPolicies(roleName);
    if (attached === NOT_FOUND) return null;
    return attached.filter((a) => a.PolicyArn).map((a) => ({ name: a.PolicyName ?? a.PolicyArn!.split('/').pop()!, arn: a.PolicyArn! }));
  }

  /** ListAttachedRolePolicies, all pages (cached like every call: getRolePolicies reuses it). */
  private attachedPolicies(roleName: string) {
    return this.pages(async (marker) => {
      const input = { RoleName: roleName, Marker: marker, MaxItems: this.family.opts.listPageSize };
      const r = await this.call('ListAttachedRolePolicies', input, () => this.client.send(new ListAttachedRolePoliciesCommand(input)));
      return r === NOT_FOUND ? NOT_FOUND : { items: r.AttachedPolicies ?? [], marker: r.IsTruncated ? r.Marker : undefined };
    });
  }

  async getRolePolicies(roleName: string): Promise<IamRolePolicies | null> {
    // The role (for its ARN and boundary) and both policy lists, concurrently.
    const [role, attached, inlineNames] = await Promise.all([
      this.call('GetRole', { RoleName: roleName }, () => this.client.send(new GetRoleCommand({ RoleName: roleName }))),
      this.attachedPolicies(roleName),
      this.pages(async (marker) => {
        const input = { RoleName: roleName, Marker: marker, MaxItems: this.family.opts.listPageSize };
        const r = await this.call('ListRolePolicies', input, () => this.client.send(new ListRolePoliciesCommand(input)));
        return r === NOT_FOUND ? NOT_FOUND : { items: r.PolicyNames ?? [], marker: r.IsTruncated ? r.Marker : undefined };
      }),
    ]);
    if (role === NOT_FOUND || !role.Role || attached === NOT_FOUND || inlineNames === NOT_FOUND) return null;

    const inline = mapLimit(inlineNames, 6, (name) => this.inlinePolicy(role.Role!.RoleName ?? roleName, name));
    const managed = mapLimit(
      attached.filter((a) => a.PolicyArn),
      6,
      (a) => this.managedPolicy(a.PolicyArn!, a.PolicyName),
    );
    const boundaryArn = role.Role.PermissionsBoundary?.PermissionsBoundaryArn;
    const boundary = boundaryArn ? this.managedPolicy(boundaryArn, undefined) : Promise.resolve(null);
    const [inl, man, bnd] = await Promise.all([inline, managed, boundary]);
    return { roleArn: str(role.Role.Arn), policies: [...inl, ...man], permissionsBoundary: bnd };
  }

  /** Follows a Marker-paginated listing (bounded). */
  private async pages<T>(
    page: (marker: string | undefined) => Promise<{ items: T[]; marker?: string } | NotFound>,
  ): Promise<T[] | NotFound> {
    const out: T[] = [];
    let marker: string | undefined;
    for (let i = 0; i < 100; i++) {
      const r = await page(marker);
      if (r === NOT_FOUND) return NOT_FOUND;
      out.push(...r.items);
      if (!r.marker) break;
      marker = r.marker;
    }
    return out;
  }

  private async inlinePolicy(roleName: string, policyName: string): Promise<IamPolicy> {
    const input = { RoleName: roleName, PolicyName: policyName };
    try {
      const r = await this.call('GetRolePolicy', input, () => this.client.send(new GetRolePolicyCommand(input)));
      return { kind: 'inline', name: policyName, document: r === NOT_FOUND ? null : decodePolicy(r.PolicyDocument) };
    } catch (e) {
      if (isDenial(e)) return { kind: 'inline', name: policyName, document: null, unreadable: (e as IamUnavailableError).reason };
      throw e;
    }
  }

  /** A managed policy's default version. AccessDenied or a vanished policy: document null. */
  private async managedPolicy(arn: string, listedName: string | undefined): Promise<IamPolicy> {
    const name = listedName || arn.slice(arn.lastIndexOf('/') + 1);
    try {
      const pol = await this.call('GetPolicy', { PolicyArn: arn }, () => this.client.send(new GetPolicyCommand({ PolicyArn: arn })));
      const versionId = pol === NOT_FOUND ? undefined : pol.Policy?.DefaultVersionId;
      const policyName = (pol !== NOT_FOUND && pol.Policy?.PolicyName) || name;
      if (!versionId) return { kind: 'managed', name: policyName, arn, document: null };
      const input = { PolicyArn: arn, VersionId: versionId };
      const ver = await this.call('GetPolicyVersion', input, () => this.client.send(new GetPolicyVersionCommand(input)));
      return { kind: 'managed', name: policyName, arn, document: ver === NOT_FOUND ? null : decodePolicy(ver.PolicyVersion?.Document) };
    } catch (e) {
      if (isDenial(e)) return { kind: 'managed', name, arn, document: null, unreadable: (e as IamUnavailableError).reason };
      throw e;
    }
  }

  async simulate(roleArn: string, questions: SimulationQuestion[]): Promise<SimulationAnswer[] | null> {
    if (questions.length === 0) return [];
    if (this.simulateUnavailable) return null;
    const answers = new Map<string, EvaluationResult>();
    try {
      for (const batch of planSimulation(questions)) {
        let marker: string | undefined;
        for (let page = 0; page < 50; page++) {
          const input = {
            PolicySourceArn: roleArn,
            ActionNames: batch.actions,
            ResourceArns: batch.resources,
            ContextEntries: batch.context.length ? batch.context : undefined,
            Marker: marker,
          };
          const r = await this.call('SimulatePrincipalPolicy', input, () => this.client.send(new SimulatePrincipalPolicyCommand(input)));
          if (r === NOT_FOUND) return null; // no such role: the local evaluator will say so
          for (const ev of r.EvaluationResults ?? []) {
            answers.set(answerKey(batch.contextKey, str(ev.EvalActionName), str(ev.EvalResourceName) || '*'), ev);
          }
          if (!r.IsTruncated || !r.Marker) break;
          marker = r.Marker;
        }
      }
    } catch (e) {
      if (e instanceof IamUnavailableError && isSimulatorRefusal(e)) {
        this.simulateUnavailable = e.reason;
        return null;
      }
      throw e;
    }
    const out: SimulationAnswer[] = [];
    for (const q of questions) {
      const ev = answers.get(answerKey(contextKeyOf(q.context), q.action, q.resource));
      if (!ev) return null; // IAM did not answer this one: let the local evaluator decide
      out.push({
        ...q,
        decision: ev.EvalDecision === 'allowed' ? 'allowed' : ev.EvalDecision === 'explicitDeny' ? 'explicit-deny' : 'implicit-deny',
        missingContext: [...(ev.MissingContextValues ?? [])],
      });
    }
    return out;
  }

  async forAccount(accountId: string): Promise<IamSource | { unavailable: string }> {
    const id = accountId.trim();
    if (id === this.meta.accountId) return this;
    if (!/^\d{12}$/.test(id)) return { unavailable: `${accountId} is not an AWS account id (12 digits)` };
    const fam = this.family;
    const known = fam.sources.get(id);
    if (known) return known;
    const target = fam.assumeRoles[id];
    if (!target) {
      return { unavailable: `profile is in account ${id}; no role to assume there is configured (CLI: --assume-role; server: RAYGUARD_ASSUME_ROLES)` };
    }
    let pending = fam.pending.get(id);
    if (!pending) {
      pending = assumeInto(fam, id, target).finally(() => fam.pending.delete(id));
      fam.pending.set(id, pending);
    }
    return pending;
  }
}

function isDenial(e: unknown): boolean {
  return e instanceof IamUnavailableError && e.reason.startsWith('AccessDenied on ');
}

/** The simulator is refused or absent (remembered), as opposed to a passing failure (thrown). */
function isSimulatorRefusal(e: IamUnavailableError): boolean {
  return (
    e.reason.startsWith('AccessDenied on ') ||
    e.reason.includes('does not implement') ||
    /^IAM endpoint error 501/.test(e.reason) ||
    /^unexpected answer from the IAM endpoint/.test(e.reason) ||
    /NotImplemented|InvalidAction/.test(e.reason)
  );
}

// ---------------------------------------------------------------------------------------------
// Mapping API shapes

function toRole(r: Role): IamRole {
  return { name: str(r.RoleName), path: str(r.Path) || '/', arn: str(r.Arn), trustPolicy: decodePolicy(r.AssumeRolePolicyDocument) };
}

function toProfile(p: InstanceProfile): IamInstanceProfile {
  return { name: str(p.InstanceProfileName), path: str(p.Path) || '/', arn: str(p.Arn), roles: (p.Roles ?? []).map(toRole) };
}

// ---------------------------------------------------------------------------------------------
// Simulation planning: SimulatePrincipalPolicy evaluates every action on every resource with one
// set of context entries. Questions are grouped by context; within a group, resources that are
// asked the same actions share a call, and a group whose full action x resource product is small
// is asked in one call.

interface SimBatch {
  contextKey: string;
  context: ContextEntry[];
  actions: string[];
  resources: string[];
}

const BOOLEAN_KEYS = new Set(['aws:securetransport', 'aws:multifactorauthpresent', 'aws:viaawsservice', 'aws:principalisawsservice']);
const NUMERIC_KEYS = new Set(['aws:multifactorauthage', 'aws:epochtime']);
const DATE_KEYS = new Set(['aws:currenttime', 'aws:tokenissuetime']);
const IP_KEYS = new Set(['aws:sourceip', 'aws:vpcsourceip']);

function contextType(key: string, list: boolean): ContextEntry['ContextKeyType'] {
  const k = key.toLowerCase();
  const base = BOOLEAN_KEYS.has(k) ? 'boolean' : NUMERIC_KEYS.has(k) ? 'numeric' : DATE_KEYS.has(k) ? 'date' : IP_KEYS.has(k) ? 'ip' : 'string';
  return (list ? `${base}List` : base) as ContextEntry['ContextKeyType'];
}

function contextKeyOf(ctx: Record<string, string | string[]> | undefined): string {
  return JSON.stringify(sortKeys(ctx ?? {}));
}

const answerKey = (ctxKey: string, action: string, resource: string) => `${ctxKey}\n${action.toLowerCase()}\n${resource}`;

const MAX_PRODUCT = 100;

export function planSimulation(questions: SimulationQuestion[]): SimBatch[] {
  const groups = new Map<string, { context: Record<string, string | string[]>; byResource: Map<string, Set<string>> }>();
  for (const q of questions) {
    const key = contextKeyOf(q.context);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { context: q.context ?? {}, byResource: new Map() }));
    const actions = g.byResource.get(q.resource) ?? new Set<string>();
    actions.add(q.action);
    g.byResource.set(q.resource, actions);
  }
  const batches: SimBatch[] = [];
  for (const [contextKey, g] of groups) {
    const context: ContextEntry[] = Object.entries(g.context)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => ({
        ContextKeyName: k,
        ContextKeyValues: Array.isArray(v) ? v : [v],
        ContextKeyType: contextType(k, Array.isArray(v)),
      }));
    const allActions = new Set<string>();
    for (const s of g.byResource.values()) for (const a of s) allActions.add(a);
    const resources = [...g.byResource.keys()];
    if (allActions.size * resources.length <= MAX_PRODUCT) {
      batches.push({ contextKey, context, actions: [...allActions].sort(), resources: resources.sort() });
      continue;
    }
    // Too big a product: one call per distinct action set.
    const bySet = new Map<string, string[]>();
    for (const [res, acts] of g.byResource) {
      const sig = [...acts].sort().join('\n');
      bySet.set(sig, [...(bySet.get(sig) ?? []), res]);
    }
    for (const [sig, res] of bySet) batches.push({ contextKey, context, actions: sig.split('\n'), resources: res.sort() });
  }
  return batches;
}

// ---------------------------------------------------------------------------------------------
// STS: caller identity, AssumeRole

async function stsCall<O>(fam: Pick<Family, 'sts' | 'stsStats' | 'opts'>, op: string, send: () => Promise<O>): Promise<O> {
  bump(fam.stsStats.calls, op);
  try {
    return await send();
  } catch (e) {
    let host: string | undefined;
    try {
      host = fam.opts.stsEndpoint ? new URL(fam.opts.stsEndpoint).host : undefined;
    } catch {
      host = undefined;
    }
    throw new IamUnavailableError(scrubReason(describeAwsError(e, 'sts', op, { timeoutMs: fam.opts.timeoutMs ?? 5000, host })));
  }
}

function iamClientFor(fam: Family, account: string, credentials?: LiveCredentials): IAMClient {
  const key = `${fam.partition}:${account}`;
  let c = fam.clients.get(key);
  if (!c) {
    c = new IAMClient(
      clientConfig(fam.opts, {
        region: iamRegionOfPartition(fam.partition),
        endpoint: fam.opts.endpoint,
        credentials: credentials ?? fam.opts.credentials,
      }),
    );
    fam.clients.set(key, c);
  }
  return c;
}

async function assumeInto(fam: Family, accountId: string, target: AssumeRoleTarget): Promise<LiveIamSource | { unavailable: string }> {
  const parsed = parseIamArn(target.roleArn);
  if (!parsed.ok || parsed.value.resourceType !== 'role') {
    return { unavailable: `the role configured for account ${accountId} (${target.roleArn}) is not a role ARN` };
  }
  if (parsed.value.partition !== fam.partition) {
    return { unavailable: `the role configured for account ${accountId} is in partition ${parsed.value.partition}, the credentials in use in ${fam.partition}` };
  }
  if (parsed.value.account !== accountId) {
    return { unavailable: `the role configured for account ${accountId} (${target.roleArn}) is in account ${parsed.value.account}` };
  }
  const duration = fam.opts.assumeRoleDurationSeconds ?? 3600;
  const now = fam.opts.now ?? Date.now;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const out = await stsCall(fam, 'AssumeRole', () =>
      fam.sts.send(
        new AssumeRoleCommand({
          RoleArn: target.roleArn,
          RoleSessionName: fam.opts.roleSessionName ?? 'rayguard',
          DurationSeconds: duration,
          ...(target.externalId ? { ExternalId: target.externalId } : {}),
        }),
      ),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new IamUnavailableError(`sts:AssumeRole of ${target.roleArn} returned no credentials`);
    const assumedAccount = str(out.AssumedRoleUser?.Arn).split(':')[4];
    if (assumedAccount && assumedAccount !== accountId) {
      throw new IamUnavailableError(`assuming ${target.roleArn} gave a session in account ${assumedAccount}, not ${accountId}`);
    }
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };

  // Temporary credentials, refreshed ahead of expiry (5 min, or a quarter of a short session).
  let current: AwsCredentialIdentity;
  try {
    current = await assume();
  } catch (e) {
    const reason = e instanceof IamUnavailableError ? e.reason : 'sts:AssumeRole failed';
    return { unavailable: `could not assume ${target.roleArn} for account ${accountId}: ${reason}` };
  }
  const margin = Math.min(5 * 60_000, (duration * 1000) / 4);
  let refreshing: Promise<AwsCredentialIdentity> | null = null;
  const provider: AwsCredentialIdentityProvider = async () => {
    const exp = current.expiration?.getTime();
    if (exp !== undefined && exp - now() <= margin) {
      refreshing ??= assume()
        .then((c) => (current = c))
        .finally(() => {
          refreshing = null;
        });
      return refreshing;
    }
    return current;
  };

  const client = iamClientFor(fam, accountId, provider);
  const source = new LiveIamSource(fam, client, {
    kind: 'live',
    // The account id is in accountId: the banner shows it beside the label, not twice.
    label: `live AWS account (via ${parsed.value.name})`,
    accountId,
    partition: fam.partition,
  });
  fam.sources.set(accountId, source);
  return source;
}

/** The region the SDK would use (env, shared config), or undefined when none is configured. */
async function configuredRegion(): Promise<string | undefined> {
  const envRegion = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (envRegion) return envRegion;
  const probe = new STSClient({});
  try {
    const r = probe.config.region;
    return typeof r === 'function' ? await r() : r;
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

/**
 * Connects to the live IAM of the account the credentials belong to (sts:GetCallerIdentity).
 * Rejects with IamUnavailableError when there are no credentials or AWS refuses them.
 */
export async function createLiveIamSource(opts: LiveOptions = {}): Promise<LiveIamSource> {
  let stsRegion = opts.stsRegion;
  if (!stsRegion) {
    const configured = await configuredRegion();
    const wanted = opts.partition;
    stsRegion =
      configured && (!wanted || partitionOfRegion(configured) === wanted) ? configured : iamRegionOfPartition(wanted ?? 'aws');
  }
  const stsStats = newStats();
  const sts = new STSClient(clientConfig(opts, { region: stsRegion, endpoint: opts.stsEndpoint, credentials: opts.credentials }));
  instrument(sts, (op) => bump(stsStats.attempts, op));

  const fam0 = { sts, stsStats, opts };
  let identity;
  try {
    identity = await stsCall(fam0, 'GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  } catch (e) {
    sts.destroy();
    throw e;
  }
  const accountId = str(identity.Account);
  const arnPartition = str(identity.Arn).split(':')[1] || undefined;
  if (opts.partition && arnPartition && opts.partition !== arnPartition) {
    sts.destroy();
    throw new IamUnavailableError(`the credentials in use belong to partition ${arnPartition}, not ${opts.partition}`);
  }
  const partition = opts.partition ?? arnPartition ?? 'aws';

  const fam: Family = {
    opts,
    partition,
    rootAccount: accountId,
    sts,
    stsStats,
    clients: new Map(),
    sources: new Map(),
    pending: new Map(),
    assumeRoles: opts.assumeRoles ?? {},
  };
  const source = new LiveIamSource(fam, iamClientFor(fam, accountId), {
    kind: 'live',
    label: 'live AWS account',
    accountId,
    partition,
  });
  fam.sources.set(accountId, source);
  return source;
}

/**
 * The live source, or, when it cannot start (no credentials, STS unreachable or refusing), a
 * source whose every lookup fails with that reason: each profile then says RG307 and why, and the
 * checks that need no IAM still run. The CLI and the server use it alike.
 */
export async function liveIamSourceOrUnavailable(opts: LiveOptions = {}): Promise<IamSource> {
  try {
    return await createLiveIamSource(opts);
  } catch (e) {
    const reason = e instanceof IamUnavailableError ? e.reason : 'the live IAM source could not start';
    return new UnavailableIamSource({ kind: 'live', label: 'live AWS account (unavailable)', note: reason }, reason);
  }
}
