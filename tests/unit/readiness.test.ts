/**
 * Readiness (lib/server/readiness.ts, GET /api/readyz): real share stores (SQLite in a temp dir,
 * and one whose directory cannot be created), real IAM sources (demo, snapshot, live against moto,
 * live without credentials or with an unreachable endpoint), the cache, and the route's answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoIamSource } from '../../lib/iam/demo';
import { IamUnavailableError, type IamSource } from '../../lib/iam/types';
import { chooseSource, resetServerIamSource } from '../../lib/server/iam-source';
import {
  cachedReadiness,
  checkReadiness,
  NOT_READY_TTL_MS,
  READY_TTL_MS,
  resetServerReadiness,
  type Readiness,
} from '../../lib/server/readiness';
import { setLogSink } from '../../lib/server/log';
import { openShareStore, resetServerShareStore } from '../../lib/server/share-store';
import { SqliteShareStore } from '../../lib/server/share-sqlite';
import type { ShareStore } from '../../lib/share/store';
import { freePort, startMoto, useDummyAwsEnv, type Moto } from '../helpers/moto';

const tmp = mkdtempSync(path.join(tmpdir(), 'rayguard-readyz-'));
const logged: string[] = [];
beforeAll(() => setLogSink((line) => logged.push(line)));
afterAll(() => {
  setLogSink(null);
  rmSync(tmp, { recursive: true, force: true });
});

const stores: ShareStore[] = [];
afterEach(async () => {
  while (stores.length) await stores.pop()!.close();
});
async function sqliteIn(dir: string): Promise<ShareStore> {
  const s = await openShareStore({ RAYGUARD_DATA_DIR: dir });
  stores.push(s);
  return s;
}

/** A directory that cannot be created: its parent is a regular file (ENOTDIR, even for root). */
function unwritableDir(): string {
  const file = path.join(tmp, `not-a-dir-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, 'x');
  return path.join(file, 'data');
}

const noCredentials = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_SHARED_CREDENTIALS_FILE: path.join(tmp, 'none'),
  AWS_CONFIG_FILE: path.join(tmp, 'none'),
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** The answer as the route serializes it must name neither paths, hosts nor settings. */
function expectNothingSecret(r: Readiness, ...forbidden: string[]) {
  const json = JSON.stringify(r);
  for (const f of [tmp, '127.0.0.1', 'localhost', 'testing', 'RAYGUARD_', ...forbidden]) expect(json).not.toContain(f);
}

describe('checkReadiness with real stores', () => {
  it('demo source and SQLite in a temp dir: ready, and the probe row is gone', async () => {
    const dir = path.join(tmp, 'ok');
    const store = await sqliteIn(dir);
    const r = await checkReadiness({ iam: async () => demoIamSource(), store: async () => store });
    expect(r).toEqual({ ready: true, checks: { iam: { ok: true, source: 'demo' }, store: { ok: true, kind: 'sqlite' } } });
    const db = new Database(path.join(dir, 'rayguard.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM share_links').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    // Again on the same store (the schema exists, the handle is open).
    expect((await checkReadiness({ iam: async () => demoIamSource(), store: async () => store })).ready).toBe(true);
  });

  it('a data directory that cannot be created: not ready, store check says so without the path', async () => {
    const dir = unwritableDir();
    const store = await sqliteIn(dir);
    const r = await checkReadiness({ iam: async () => demoIamSource(), store: async () => store });
    expect(r.ready).toBe(false);
    expect(r.checks.iam).toEqual({ ok: true, source: 'demo' });
    expect(r.checks.store).toEqual({ ok: false, kind: 'sqlite', reason: 'the share store is not writable (ENOTDIR)' });
    expectNothingSecret(r, dir);
  });

  it('a data directory under /proc: not ready, and answered (recursive mkdirSync never returned there)', async () => {
    const store = await sqliteIn('/proc/rayguard-readiness-test/data');
    const r = await checkReadiness({ iam: async () => demoIamSource(), store: async () => store });
    expect(r.ready).toBe(false);
    expect(r.checks.store).toMatchObject({ ok: false, kind: 'sqlite', reason: expect.stringMatching(/^the share store is not writable \([A-Z]+\)$/) });
  });

  it('a closed store: not ready', async () => {
    const store = new SqliteShareStore(path.join(tmp, 'closed', 'rayguard.db'));
    await store.close();
    const r = await checkReadiness({ iam: async () => demoIamSource(), store: async () => store });
    expect(r.checks.store.ok).toBe(false);
    expect(r.checks.store.reason).toMatch(/^the share store is not writable/);
  });

  it('a store that cannot even be opened', async () => {
    const r = await checkReadiness({
      iam: async () => demoIamSource(),
      store: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:5432 postgres://u:pw@db/x'), { code: 'ECONNREFUSED' });
      },
    });
    expect(r.checks.store).toEqual({ ok: false, reason: 'the share store is not writable (ECONNREFUSED)' });
    expectNothingSecret(r, '10.1.2.3', 'pw@', 'postgres://');
  });

  it('a store that never answers: bounded by the timeout', async () => {
    const t0 = Date.now();
    const r = await checkReadiness({ iam: async () => demoIamSource(), store: () => new Promise<ShareStore>(() => {}), timeoutMs: 100 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.checks.store).toEqual({ ok: false, reason: 'the share store did not answer within 0.1 s' });
  });
});

describe('checkReadiness with real IAM sources', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it('a snapshot file: ready with source snapshot; a missing one: not ready, no file name', async () => {
    const file = path.join(tmp, 'gaad.json');
    writeFileSync(file, JSON.stringify({ RoleDetailList: [], Policies: [], InstanceProfiles: [] }));
    const store = await sqliteIn(path.join(tmp, 'snap'));
    const ok = await checkReadiness({ iam: () => chooseSource({ RAYGUARD_IAM: 'snapshot', RAYGUARD_IAM_SNAPSHOT: file }), store: async () => store });
    expect(ok.checks.iam).toEqual({ ok: true, source: 'snapshot' });

    const missing = path.join(tmp, 'secret-name-gaad.json');
    const bad = await checkReadiness({ iam: () => chooseSource({ RAYGUARD_IAM: 'snapshot', RAYGUARD_IAM_SNAPSHOT: missing }), store: async () => store });
    expect(bad.ready).toBe(false);
    expect(bad.checks.iam).toEqual({ ok: false, reason: 'the IAM settings are invalid (see the server log)' });
    expect(bad.checks.store.ok).toBe(true);
    expectNothingSecret(bad, 'secret-name-gaad');
  });

  it('live without credentials: not ready, source live, says why', async () => {
    restore = useDummyAwsEnv(noCredentials);
    const store = await sqliteIn(path.join(tmp, 'live-none'));
    const r = await checkReadiness({ iam: () => chooseSource({ RAYGUARD_IAM: 'live' }), store: async () => store });
    expect(r).toEqual({
      ready: false,
      checks: { iam: { ok: false, source: 'live', reason: 'no AWS credentials found' }, store: { ok: true, kind: 'sqlite' } },
    });
  });

  it('live with an unreachable endpoint: not ready, without the endpoint', async () => {
    const port = await freePort();
    restore = useDummyAwsEnv({ AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`, AWS_ENDPOINT_URL_IAM: `http://127.0.0.1:${port}` });
    const store = await sqliteIn(path.join(tmp, 'live-down'));
    const r = await checkReadiness({
      iam: () => chooseSource({ RAYGUARD_IAM: 'live', RAYGUARD_IAM_MAX_ATTEMPTS: '1', RAYGUARD_IAM_TIMEOUT_MS: '1000' }),
      store: async () => store,
    });
    expect(r.ready).toBe(false);
    expect(r.checks.iam).toEqual({ ok: false, source: 'live', reason: 'IAM or STS is unreachable' });
    expectNothingSecret(r, String(port));
  });

  it('live sources that fail on IAM itself: AccessDenied and a hang', async () => {
    const live = (getInstanceProfile: IamSource['getInstanceProfile']): IamSource => ({
      ...demoIamSource(),
      info: () => ({ kind: 'live', label: 'live AWS account 123456789012', accountId: '123456789012' }),
      getInstanceProfile,
    }) as IamSource;
    const store = await sqliteIn(path.join(tmp, 'live-fake'));
    const denied = live(async () => {
      throw new IamUnavailableError('AccessDenied on iam:GetInstanceProfile (the credentials in use may not read instance profiles)');
    });
    const r1 = await checkReadiness({ iam: async () => denied, store: async () => store });
    expect(r1.checks.iam).toEqual({ ok: false, source: 'live', reason: 'IAM refused the request (AccessDenied): check the role policy (docs/iam-policy.json)' });
    const hang = live(() => new Promise(() => {}));
    const r2 = await checkReadiness({ iam: async () => hang, store: async () => store, timeoutMs: 100 });
    expect(r2.checks.iam).toEqual({ ok: false, source: 'live', reason: 'IAM did not answer within 0.1 s' });
  });

  describe('live against moto', () => {
    let moto: Moto;
    beforeAll(async () => {
      moto = await startMoto();
    }, 60_000);
    afterAll(async () => {
      await moto?.stop();
    });

    it('ready: one GetInstanceProfile (NoSuchEntity), then answered from the cache', async () => {
      restore = useDummyAwsEnv({ AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_ENDPOINT_URL_IAM: moto.endpoint });
      const source = await chooseSource({ RAYGUARD_IAM: 'live' });
      expect(source.info().kind).toBe('live');
      const store = await sqliteIn(path.join(tmp, 'live-moto'));
      const deps = { iam: async () => source, store: async () => store };
      expect(await checkReadiness(deps)).toEqual({ ready: true, checks: { iam: { ok: true, source: 'live' }, store: { ok: true, kind: 'sqlite' } } });
      await checkReadiness(deps);
      const stats = (source as unknown as { stats(): { calls: Record<string, number> } }).stats();
      expect(stats.calls.GetInstanceProfile).toBe(1);
    });
  });
});

describe('cachedReadiness', () => {
  function counting(results: Array<'ok' | 'fail'>) {
    let calls = 0;
    const deps = {
      iam: async () => {
        const r = results[Math.min(calls, results.length - 1)];
        calls++;
        if (r === 'fail') throw new IamUnavailableError('could not reach IAM at 10.0.0.1:443 for iam:GetInstanceProfile (ECONNREFUSED)');
        return demoIamSource();
      },
      store: async () => sqliteIn(path.join(tmp, 'cache')),
    };
    return { deps, calls: () => calls };
  }

  it('caches a ready answer for READY_TTL_MS and shares concurrent checks', async () => {
    let t = 1_000_000;
    const c = counting(['ok']);
    const cache = cachedReadiness(c.deps, { now: () => t });
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(a.ready && b.ready).toBe(true);
    expect(c.calls()).toBe(1);
    t += READY_TTL_MS - 1;
    await cache.get();
    expect(c.calls()).toBe(1);
    t += 2;
    await cache.get();
    expect(c.calls()).toBe(2);
  });

  it('caches a failure only briefly, then recovers', async () => {
    let t = 1_000_000;
    const c = counting(['fail', 'ok']);
    const cache = cachedReadiness(c.deps, { now: () => t });
    const r1 = await cache.get();
    expect(r1.ready).toBe(false);
    expect(r1.checks.iam.reason).toBe('IAM or STS is unreachable');
    expectNothingSecret(r1, '10.0.0.1');
    t += NOT_READY_TTL_MS - 1;
    expect((await cache.get()).ready).toBe(false);
    expect(c.calls()).toBe(1);
    t += 2;
    expect((await cache.get()).ready).toBe(true);
    expect(c.calls()).toBe(2);
    expect(NOT_READY_TTL_MS).toBeLessThan(READY_TTL_MS);
    // The log says when readiness changes, with the short reason only.
    const changes = logged.slice(-2).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(changes.map((l) => l.msg)).toEqual(['not ready', 'ready']);
    expect(changes[0]).toMatchObject({ level: 'warn', iam: 'IAM or STS is unreachable', store: 'ok' });
    expect(logged.join('\n')).not.toContain('10.0.0.1');
  });
});

describe('GET /api/readyz', () => {
  const saved: Record<string, string | undefined> = {};
  const setEnv = (vars: Record<string, string>) => {
    for (const [k, v] of Object.entries(vars)) {
      if (!(k in saved)) saved[k] = process.env[k];
      process.env[k] = v;
    }
  };
  const reset = async () => {
    resetServerReadiness();
    resetServerIamSource();
    await resetServerShareStore();
  };
  afterEach(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      delete saved[k];
    }
    await reset();
  });

  it('200 with the checks, no-store', async () => {
    await reset();
    setEnv({ RAYGUARD_IAM: 'demo', RAYGUARD_DATA_DIR: path.join(tmp, 'route-ok') });
    const { GET } = await import('../../app/api/readyz/route');
    const res = await GET();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ready: true, checks: { iam: { ok: true, source: 'demo' }, store: { ok: true, kind: 'sqlite' } } });
  });

  it('503 naming the failed check, no-store', async () => {
    await reset();
    const dir = unwritableDir();
    setEnv({ RAYGUARD_IAM: 'demo', RAYGUARD_DATA_DIR: dir });
    const { GET, HEAD } = await import('../../app/api/readyz/route');
    const res = await GET();
    expect(res.status).toBe(503);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as Readiness;
    expect(body.ready).toBe(false);
    expect(body.checks.store).toEqual({ ok: false, kind: 'sqlite', reason: 'the share store is not writable (ENOTDIR)' });
    expect(JSON.stringify(body)).not.toContain(dir);
    expect((await HEAD()).status).toBe(503);
  });
});
