/**
 * Readiness (GET /api/readyz): can this process do its job right now?
 *
 * - **iam**: the IAM source answers. Demo and snapshot sources are ready once loaded (a snapshot
 *   file that cannot be read or parsed is not). The live source is asked one cheap question
 *   through the same path every check takes: `iam:GetInstanceProfile` of a name that does not
 *   exist (NoSuchEntity is an answer: IAM is reachable, and the dashboard's role may read
 *   profiles, which every check needs). The live source caches that answer like any other
 *   (RAYGUARD_IAM_CACHE_SECONDS), so probes cost IAM at most one call per cache period.
 * - **store**: the share store is writable: `ready()` (schema, connection), then a real write: a
 *   row born expired (never served; a sweep would purge it) is created and deleted again.
 *
 * Results are cached (READY_TTL_MS when ready, NOT_READY_TTL_MS when not) and concurrent probes
 * share one check, so a probe every second costs nothing. Each check is bounded by CHECK_TIMEOUT_MS
 * (a probe must answer before the orchestrator gives up on it). Reasons are short fixed phrases:
 * never a secret, a connection string, a file path or an endpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { IamUnavailableError, type IamSource, type IamSourceKind } from '../iam/types';
import type { ShareStore } from '../share/store';
import { log } from './log';

export interface IamCheck {
  ok: boolean;
  /** Which source answers (absent when none could be chosen). */
  source?: IamSourceKind;
  reason?: string;
}

export interface StoreCheck {
  ok: boolean;
  /** sqlite or postgres (absent when the store could not be opened at all). */
  kind?: ShareStore['kind'];
  reason?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { iam: IamCheck; store: StoreCheck };
}

export interface ReadinessDeps {
  iam: () => Promise<IamSource>;
  store: () => Promise<ShareStore>;
  /** Per check, ms. Default CHECK_TIMEOUT_MS. */
  timeoutMs?: number;
}

export const READY_TTL_MS = 10_000;
export const NOT_READY_TTL_MS = 3_000;
export const CHECK_TIMEOUT_MS = 4_000;

/** The instance profile the live probe asks IAM about: a valid name nobody uses (NoSuchEntity is the expected answer). */
export const PROBE_PROFILE_NAME = 'rayguard-readiness-probe';

class CheckTimeout extends Error {}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout()), ms);
    timer.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** IAM failure → a fixed phrase (the source's own reason can name an endpoint or a role). */
function iamReason(e: unknown, timeoutMs: number): string {
  if (e instanceof CheckTimeout) return `IAM did not answer within ${timeoutMs / 1000} s`;
  if (e instanceof IamUnavailableError) {
    const r = e.reason;
    if (/no AWS credentials/i.test(r)) return 'no AWS credentials found';
    if (/AccessDenied/.test(r)) return 'IAM refused the request (AccessDenied): check the role policy (docs/iam-policy.json)';
    if (/expired/i.test(r)) return 'the AWS credentials have expired';
    if (/rejected the credentials/i.test(r)) return 'AWS rejected the credentials';
    if (/throttled/i.test(r)) return 'throttled by AWS';
    if (/did not answer|timed? ?out/i.test(r)) return 'IAM did not answer in time';
    if (/could not reach/i.test(r)) return 'IAM or STS is unreachable';
    if (/partition/i.test(r)) return 'the AWS credentials are in another partition';
    return 'the IAM source is unavailable';
  }
  // IamConfigError (HttpError 503) and anything else: the details are in the start-up log.
  if (e && typeof e === 'object' && (e as { status?: unknown }).status === 503) return 'the IAM settings are invalid (see the server log)';
  return 'the IAM source failed';
}

const loggedConfigErrors = new Set<string>();

/** The answer says only "the IAM settings are invalid"; the operator finds which in the log (once per distinct message). */
function logConfigErrorOnce(e: unknown): void {
  if (!(e instanceof Error) || (e as { status?: unknown }).status !== 503 || loggedConfigErrors.has(e.message)) return;
  loggedConfigErrors.add(e.message);
  log('error', 'readiness: the IAM source cannot start', { reason: e.message.slice(0, 200) });
}

/** Store failure → a fixed phrase with the error code when it is a plain code (ENOTDIR, SQLITE_READONLY, 57P01). */
function storeReason(e: unknown, timeoutMs: number): string {
  if (e instanceof CheckTimeout) return `the share store did not answer within ${timeoutMs / 1000} s`;
  const code = e && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
  const shown = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : '';
  return `the share store is not writable${shown}`;
}

async function checkIam(deps: ReadinessDeps, timeoutMs: number): Promise<IamCheck> {
  let source: IamSource;
  try {
    source = await within(deps.iam(), timeoutMs);
  } catch (e) {
    logConfigErrorOnce(e);
    return { ok: false, reason: iamReason(e, timeoutMs) };
  }
  const kind = source.info().kind;
  if (kind !== 'live') return { ok: true, source: kind };
  try {
    await within(source.getInstanceProfile(PROBE_PROFILE_NAME), timeoutMs);
    return { ok: true, source: kind };
  } catch (e) {
    return { ok: false, source: kind, reason: iamReason(e, timeoutMs) };
  }
}

async function checkStore(deps: ReadinessDeps, timeoutMs: number): Promise<StoreCheck> {
  let store: ShareStore;
  try {
    store = await within(deps.store(), timeoutMs);
  } catch (e) {
    return { ok: false, reason: storeReason(e, timeoutMs) };
  }
  try {
    await within(
      (async () => {
        await store.ready();
        const token = randomBytes(16).toString('base64url');
        const id = randomBytes(16).toString('base64url');
        const deleteTokenHash = createHash('sha256').update(token).digest('base64url');
        // Born expired: `get` answers it as expired, sweeps purge it, should the delete not happen.
        await store.create({ id, ciphertext: new Uint8Array(0), createdAt: 0, expiresAt: 0, deleteTokenHash });
        const gone = await store.delete(id, deleteTokenHash);
        if (gone !== 'deleted') throw new Error('probe row not deleted');
      })(),
      timeoutMs,
    );
    return { ok: true, kind: store.kind };
  } catch (e) {
    return { ok: false, kind: store.kind, reason: storeReason(e, timeoutMs) };
  }
}

/** Runs both checks now (no cache). */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? CHECK_TIMEOUT_MS;
  const [iam, store] = await Promise.all([checkIam(deps, timeoutMs), checkStore(deps, timeoutMs)]);
  return { ready: iam.ok && store.ok, checks: { iam, store } };
}

export interface CachedReadiness {
  /** The cached answer, or a new check when it is stale (concurrent callers share it). */
  get(): Promise<Readiness>;
  /** Forget the cached answer. */
  reset(): void;
}

/** `checkReadiness` behind a cache: READY_TTL_MS when ready, NOT_READY_TTL_MS when not. */
export function cachedReadiness(
  deps: ReadinessDeps,
  opts: { readyTtlMs?: number; notReadyTtlMs?: number; now?: () => number } = {},
): CachedReadiness {
  const now = opts.now ?? Date.now;
  let last: { value: Readiness; expires: number } | null = null;
  let running: Promise<Readiness> | null = null;
  let wasReady: boolean | null = null;
  return {
    get() {
      if (last && last.expires > now()) return Promise.resolve(last.value);
      running ??= checkReadiness(deps)
        .then((value) => {
          last = { value, expires: now() + (value.ready ? (opts.readyTtlMs ?? READY_TTL_MS) : (opts.notReadyTtlMs ?? NOT_READY_TTL_MS)) };
          if (wasReady !== value.ready) {
            // Changes only, not every probe.
            if (value.ready) log('info', 'ready', { iam: value.checks.iam.source ?? null, store: value.checks.store.kind ?? null });
            else log('warn', 'not ready', { iam: value.checks.iam.reason ?? 'ok', store: value.checks.store.reason ?? 'ok' });
            wasReady = value.ready;
          }
          return value;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
    reset() {
      last = null;
    },
  };
}

let server: CachedReadiness | null = null;

/** The process's readiness: the server's IAM source and share store, cached. */
export function serverReadiness(): Promise<Readiness> {
  server ??= cachedReadiness({
    iam: async () => (await import('./iam-source')).serverIamSource(),
    store: async () => (await import('./share-store')).serverShareStore(),
  });
  return server.get();
}

/** Forget the process's cached readiness (tests). */
export function resetServerReadiness(): void {
  server = null;
}
