/**
 * Share links end to end on the server side, against both stores: the SQLite file (a temp data
 * directory) and a real PostgreSQL (a throwaway cluster, tests/helpers/postgres.ts). The same
 * suite runs on both:
 *
 * - the ShareStore contract (create, get, expiry, delete, sweep, what is stored);
 * - the route handlers (app/api/share), called directly with `new Request(…)`, with the clock moved;
 * - a leak test: synthetic secrets planted in a config, redacted, sealed and posted like the
 *   browser does, then the database bytes (SQLite file and WAL; pg_dump and the cluster's files)
 *   and everything logged are searched for each secret, the plaintext, the key and the delete token.
 *
 * PostgreSQL is not optional: without its binaries the PostgreSQL half fails with a message that
 * says how to install them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as collection from '@/app/api/share/route';
import * as item from '@/app/api/share/[id]/route';
import { analyzeStatic } from '@/lib/validate';
import { awsKeyId, awsSecret, base64Encode, githubClassic, huggingFaceToken, makeRng, password, pemBlock } from '@/lib/secrets/synthetic';
import { decodeBase64url, encodeBase64url } from '@/lib/share/base64url';
import { MAX_SEALED_BYTES, open, seal, type SharePayload } from '@/lib/share/envelope';
import { credentialRanges, redactForShare, remapFindings } from '@/lib/share/redact';
import { isExpired, TOMBSTONE_RETENTION_MS, type ShareStore } from '@/lib/share/store';
import { configureShareApi, hashDeleteToken, MAX_CIPHERTEXT_CHARS, SWEEP_INTERVAL_MS, TokenBucketLimiter } from '@/lib/server/share-api';
import { PostgresShareStore } from '@/lib/server/share-postgres';
import { SqliteShareStore } from '@/lib/server/share-sqlite';
import { openShareStore, resetServerShareStore } from '@/lib/server/share-store';
import { startPostgres, type Postgres } from '../helpers/postgres';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const HOUR = 3600_000;

/** One backend under test: how to open a store on it, and how to look at its raw rows and bytes. */
interface Backend {
  name: 'sqlite' | 'postgres';
  start(): Promise<void>;
  stop(): Promise<void>;
  open(): ShareStore;
  /** Column names of the share table. */
  columns(): Promise<string[]>;
  /** The raw row (ciphertext null once purged), or undefined. */
  row(id: string): Promise<{ ciphertext: Uint8Array | null; size: number; delete_token_hash: string } | undefined>;
  /** Every stored byte, file by file, as latin-1 strings. */
  bytes(): Promise<Array<{ where: string; data: string }>>;
  /** Environment that makes the server pick this backend. */
  env(): Record<string, string>;
}

function sqliteBackend(): Backend {
  let dir = '';
  const file = () => path.join(dir, 'rayguard.db');
  return {
    name: 'sqlite',
    async start() {
      dir = mkdtempSync(path.join(tmpdir(), 'rayguard-share-'));
    },
    async stop() {
      rmSync(dir, { recursive: true, force: true });
    },
    open: () => new SqliteShareStore(file()),
    async columns() {
      const db = new Database(file(), { readonly: true });
      try {
        return (db.prepare('PRAGMA table_info(share_links)').all() as Array<{ name: string }>).map((c) => c.name);
      } finally {
        db.close();
      }
    },
    async row(id) {
      const db = new Database(file(), { readonly: true });
      try {
        return db.prepare('SELECT ciphertext, size, delete_token_hash FROM share_links WHERE id = ?').get(id) as never;
      } finally {
        db.close();
      }
    },
    async bytes() {
      return readdirSync(dir).map((f) => ({ where: f, data: readFileSync(path.join(dir, f), 'latin1') }));
    },
    env: () => ({ RAYGUARD_DATA_DIR: dir }),
  };
}

function postgresBackend(): Backend {
  let server: Postgres | null = null;
  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: server!.url });
    await c.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    name: 'postgres',
    async start() {
      server = await startPostgres();
    },
    async stop() {
      await server?.stop();
    },
    open: () => new PostgresShareStore({ connectionString: server!.url, max: 4 }),
    async columns() {
      const rows = await query<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'share_links' ORDER BY ordinal_position",
      );
      return rows.map((r) => r.column_name);
    },
    async row(id) {
      const rows = await query<{ ciphertext: Buffer | null; size: number; delete_token_hash: string }>(
        'SELECT ciphertext, size, delete_token_hash FROM share_links WHERE id = $1',
        [id],
      );
      return rows[0];
    },
    async bytes() {
      // Make sure what the server holds is on disk, then read the table dump and every file.
      await query('CHECKPOINT');
      const out = [{ where: 'pg_dump share_links', data: server!.dump('share_links') }];
      for (const f of server!.dataFiles()) out.push({ where: path.relative(server!.dataDir, f), data: readFileSync(f, 'latin1') });
      return out;
    },
    env: () => ({ RAYGUARD_DATABASE_URL: server!.url }),
  };
}

/** A canonical 22-character id (the last character carries only 2 bits). */
function newId(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(16)));
}

const bytesOf = (n: number, seed = 1) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + seed * 7) & 0xff;
  return b;
};

async function sealedSample(config = 'cluster_name: sample\n'): Promise<{ ciphertext: string; key: string }> {
  const payload: SharePayload = { v: 1, config, fileName: 'cluster.yaml', findings: [], computedAt: new Date(T0).toISOString(), iamSource: null, rulesVersion: 'test' };
  return seal(payload);
}

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return collection.POST(
    new Request('http://localhost/api/share', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

const ctx = (id: string) => ({ params: Promise.resolve({ id }) });

function get(id: string): Promise<Response> {
  return item.GET(new Request(`http://localhost/api/share/${encodeURIComponent(id)}`), ctx(id));
}

function del(id: string, token?: string, scheme = 'Bearer'): Promise<Response> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `${scheme} ${token}` };
  return item.DELETE(new Request(`http://localhost/api/share/${encodeURIComponent(id)}`, { method: 'DELETE', headers }), ctx(id));
}

function expectShareHeaders(res: Response): void {
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-robots-tag')).toBe('noindex');
}

/** A store that counts calls, to show that bad ids never reach it. */
function counting(store: ShareStore): { store: ShareStore; calls: () => number } {
  let n = 0;
  const wrap = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A) => {
    n++;
    return f(...a);
  };
  return {
    store: {
      kind: store.kind,
      ready: wrap(() => store.ready()),
      create: wrap((r) => store.create(r)),
      get: wrap((id, now) => store.get(id, now)),
      delete: wrap((id, h) => store.delete(id, h)),
      sweep: wrap((now) => store.sweep(now)),
      close: () => store.close(),
    },
    calls: () => n,
  };
}

describe.each([sqliteBackend(), postgresBackend()])('share store: $name', (backend) => {
  let store: ShareStore;

  beforeAll(async () => {
    await backend.start();
    store = backend.open();
    await store.ready();
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await backend.stop();
  }, 30_000);

  describe('contract', () => {
    it('creates its schema when absent; ready is idempotent; only the allowed columns exist', async () => {
      await store.ready();
      const other = backend.open();
      await other.ready();
      await other.close();
      expect((await backend.columns()).sort()).toEqual(['created_at', 'ciphertext', 'delete_token_hash', 'expires_at', 'id', 'size'].sort());
    });

    it('stores and returns the ciphertext bytes exactly, with the times', async () => {
      const id = newId();
      const all = new Uint8Array(256).map((_, i) => i);
      await store.create({ id, ciphertext: all, createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: hashDeleteToken('t') });
      const got = await store.get(id, T0 + 1);
      expect(got).toEqual({ ciphertext: all, createdAt: T0, expiresAt: T0 + HOUR });
      const row = await backend.row(id);
      expect(row?.size).toBe(256);
      expect(row?.delete_token_hash).toBe(hashDeleteToken('t'));
    });

    it('holds a ciphertext of the largest accepted size', async () => {
      const id = newId();
      const big = bytesOf(MAX_SEALED_BYTES, 3);
      await store.create({ id, ciphertext: big, createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: 'h' });
      const got = await store.get(id, T0);
      expect(got !== null && !isExpired(got) && Buffer.compare(Buffer.from(got.ciphertext), Buffer.from(big))).toBe(0);
    });

    it('answers null for an unknown id and refuses a duplicate id', async () => {
      expect(await store.get(newId(), T0)).toBeNull();
      const id = newId();
      await store.create({ id, ciphertext: bytesOf(10), createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: 'a' });
      await expect(store.create({ id, ciphertext: bytesOf(5), createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: 'b' })).rejects.toThrow();
      const got = await store.get(id, T0);
      expect(got !== null && !isExpired(got) && got.ciphertext.length).toBe(10);
    });

    it("says 'expired' from the expiry instant on", async () => {
      const id = newId();
      await store.create({ id, ciphertext: bytesOf(10), createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: 'h' });
      expect(isExpired(await store.get(id, T0 + HOUR - 1))).toBe(false);
      // It says when: the link's own expiry, whenever it is asked.
      expect(await store.get(id, T0 + HOUR)).toEqual({ expired: true, expiresAt: T0 + HOUR });
      expect(await store.get(id, T0 + 10 * HOUR)).toEqual({ expired: true, expiresAt: T0 + HOUR });
    });

    it('deletes only with the right token hash', async () => {
      const id = newId();
      await store.create({ id, ciphertext: bytesOf(10), createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: hashDeleteToken('right') });
      expect(await store.delete(id, hashDeleteToken('wrong'))).toBe('forbidden');
      expect(await store.get(id, T0)).not.toBeNull();
      expect(await store.delete(id, hashDeleteToken('right'))).toBe('deleted');
      expect(await store.get(id, T0)).toBeNull();
      expect(await store.delete(id, hashDeleteToken('right'))).toBe('missing');
      expect(await store.delete(newId(), hashDeleteToken('right'))).toBe('missing');
      // an expired link can still be deleted by its creator
      const old = newId();
      await store.create({ id: old, ciphertext: bytesOf(10), createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: hashDeleteToken('x') });
      expect(await store.delete(old, hashDeleteToken('x'))).toBe('deleted');
    });

    it('sweep purges expired ciphertext at once and drops the tombstone after the retention', async () => {
      const t = T0 + 1000 * HOUR;
      await store.sweep(t + TOMBSTONE_RETENTION_MS * 10); // start from a clean table
      const live = newId();
      const gone1 = newId();
      const gone2 = newId();
      await store.create({ id: live, ciphertext: bytesOf(10), createdAt: t, expiresAt: t + 2 * HOUR, deleteTokenHash: 'h' });
      await store.create({ id: gone1, ciphertext: bytesOf(10), createdAt: t, expiresAt: t + HOUR, deleteTokenHash: 'h' });
      await store.create({ id: gone2, ciphertext: bytesOf(10), createdAt: t, expiresAt: t + HOUR / 2, deleteTokenHash: 'h' });
      expect(await store.sweep(t + HOUR)).toBe(2);
      expect(await store.sweep(t + HOUR)).toBe(0);
      expect((await backend.row(gone1))?.ciphertext).toBeNull();
      expect((await backend.row(gone2))?.ciphertext).toBeNull();
      expect(await store.get(gone1, t + HOUR)).toEqual({ expired: true, expiresAt: t + HOUR });
      // even a clock moved back cannot bring purged data back
      expect(isExpired(await store.get(gone1, t))).toBe(true);
      expect(isExpired(await store.get(live, t + HOUR))).toBe(false);
      // retention later: the two tombstones go, and the live link (expired meanwhile) is purged
      expect(await store.sweep(t + HOUR + TOMBSTONE_RETENTION_MS)).toBe(3);
      expect(await store.get(gone1, t + HOUR + TOMBSTONE_RETENTION_MS)).toBeNull();
      expect(await store.get(gone2, t + HOUR + TOMBSTONE_RETENTION_MS)).toBeNull();
      expect(isExpired(await store.get(live, t + HOUR + TOMBSTONE_RETENTION_MS))).toBe(true);
    });

    it('serves many concurrent requests, and a second store on the same database sees the same links', async () => {
      const ids = Array.from({ length: 40 }, newId);
      await Promise.all(ids.map((id, i) => store.create({ id, ciphertext: bytesOf(100 + i, i), createdAt: T0, expiresAt: T0 + HOUR, deleteTokenHash: 'h' })));
      const replica = backend.open();
      try {
        const got = await Promise.all(ids.map((id) => replica.get(id, T0)));
        got.forEach((g, i) => expect(g !== null && !isExpired(g) && g.ciphertext).toEqual(bytesOf(100 + i, i)));
      } finally {
        await replica.close();
      }
    });

    it('is chosen by the environment', async () => {
      const s = await openShareStore(backend.env());
      try {
        expect(s.kind).toBe(backend.name);
        await s.ready();
      } finally {
        await s.close();
      }
    });
  });

  describe('routes', () => {
    let clock = T0;
    let restore: () => void = () => undefined;
    let limiter: TokenBucketLimiter;
    let calls: () => number;

    beforeAll(() => {
      const c = counting(store);
      calls = c.calls;
      limiter = new TokenBucketLimiter(20, 10 * 60_000);
      restore = configureShareApi({ store: async () => c.store, now: () => clock, limiter, proxyHops: () => 0 });
    });
    afterAll(() => restore());
    afterEach(() => {
      clock = T0;
      limiter.reset();
    });

    async function create(expiresIn?: number): Promise<{ id: string; deleteToken: string; expiresAt: string; ciphertext: string }> {
      const s = await sealedSample();
      const res = await post(expiresIn === undefined ? { ciphertext: s.ciphertext } : { ciphertext: s.ciphertext, expiresIn });
      expect(res.status).toBe(201);
      return { ...(await res.json()), ciphertext: s.ciphertext };
    }

    it('POST → 201 {id, deleteToken, expiresAt}; GET → 200 with the same ciphertext', async () => {
      const s = await sealedSample();
      const res = await post({ ciphertext: s.ciphertext });
      expect(res.status).toBe(201);
      expectShareHeaders(res);
      const body = await res.json();
      expect(Object.keys(body).sort()).toEqual(['deleteToken', 'expiresAt', 'id']);
      expect(body.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(decodeBase64url(body.id)?.length).toBe(16);
      expect(body.deleteToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.expiresAt).toBe(new Date(T0 + 604_800_000).toISOString());
      expect(res.headers.get('location')).toBe(`/api/share/${body.id}`);

      const g = await get(body.id);
      expect(g.status).toBe(200);
      expectShareHeaders(g);
      expect(await g.json()).toEqual({ ciphertext: s.ciphertext, createdAt: new Date(T0).toISOString(), expiresAt: body.expiresAt });
      // the token is not stored, only its hash
      const row = await backend.row(body.id);
      expect(row?.delete_token_hash).toBe(hashDeleteToken(body.deleteToken));
      expect(row?.delete_token_hash).not.toContain(body.deleteToken);
    });

    it('accepts each expiry choice and nothing else', async () => {
      for (const s of [3600, 86_400, 604_800, 2_592_000]) {
        const { expiresAt } = await create(s);
        expect(expiresAt).toBe(new Date(T0 + s * 1000).toISOString());
      }
      const { ciphertext } = await sealedSample();
      for (const bad of [0, 60, 3601, -3600, 3600.5, '3600', true, [3600], { s: 1 }, 1e300]) {
        const res = await post({ ciphertext, expiresIn: bad });
        expect(res.status).toBe(400);
        expectShareHeaders(res);
        expect((await res.json()).error).toMatch(/expiresIn/);
      }
    });

    it('400 for a missing, empty or non-base64url ciphertext, or one that is not an envelope; 413 past the cap', async () => {
      const { ciphertext } = await sealedSample();
      for (const body of [{}, { ciphertext: '' }, { ciphertext: 42 }, { ciphertext: ciphertext + '=' }, { ciphertext: 'ab+/' }, { ciphertext: 'a b' }, { ciphertext: 'AAAA' }, { ciphertext: 'CQ' + ciphertext.slice(2) }]) {
        const res = await post(body);
        expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
        expectShareHeaders(res);
        expect(typeof (await res.json()).error).toBe('string');
      }
      for (const raw of ['{', '[]', 'null', '"x"']) expect((await post(raw)).status).toBe(400);
      expect((await post({ ciphertext }, { 'content-type': 'text/plain' })).status).toBe(415);

      const justOver = 'A'.repeat(MAX_CIPHERTEXT_CHARS + 2);
      const r1 = await post({ ciphertext: justOver });
      expect(r1.status).toBe(413);
      expectShareHeaders(r1);
      const r2 = await post({ ciphertext: 'A'.repeat(MAX_CIPHERTEXT_CHARS * 2) });
      expect(r2.status).toBe(413);
      // exactly at the cap (a version byte, then padding bytes) is accepted
      const atCap = new Uint8Array(MAX_SEALED_BYTES);
      atCap[0] = 1;
      expect((await post({ ciphertext: encodeBase64url(atCap) })).status).toBe(201);
    });

    it('429 with Retry-After past 20 links in 10 minutes; a token comes back every 30 s', async () => {
      const { ciphertext } = await sealedSample();
      for (let i = 0; i < 20; i++) expect((await post({ ciphertext })).status).toBe(201);
      const limited = await post({ ciphertext });
      expect(limited.status).toBe(429);
      expectShareHeaders(limited);
      expect(limited.headers.get('retry-after')).toBe('30');
      expect((await limited.json()).error).toMatch(/too many/);
      // X-Forwarded-For is not trusted by default: a different one does not help
      expect((await post({ ciphertext }, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(429);
      clock += 15_000;
      expect((await post({ ciphertext })).headers.get('retry-after')).toBe('15');
      clock += 15_000;
      expect((await post({ ciphertext })).status).toBe(201);
      expect((await post({ ciphertext })).status).toBe(429);
    });

    it('malformed requests never spend the rate limit (nobody can block sharing with junk)', async () => {
      for (let i = 0; i < 40; i++) expect((await post({ ciphertext: '!!' })).status).toBe(400);
      const { ciphertext } = await sealedSample();
      expect((await post({ ciphertext })).status).toBe(201);
    });

    it('keys the rate limit by client address behind a trusted proxy', async () => {
      const undo = configureShareApi({ proxyHops: () => 1 });
      try {
        const { ciphertext } = await sealedSample();
        for (let i = 0; i < 20; i++) expect((await post({ ciphertext }, { 'x-forwarded-for': `198.51.100.7, 203.0.113.1` })).status).toBe(201);
        expect((await post({ ciphertext }, { 'x-forwarded-for': '198.51.100.7, 203.0.113.1' })).status).toBe(429);
        // the client-written part (left) does not matter; the proxy's entry (right) does
        expect((await post({ ciphertext }, { 'x-forwarded-for': '10.9.9.9, 203.0.113.1' })).status).toBe(429);
        expect((await post({ ciphertext }, { 'x-forwarded-for': '198.51.100.7, 203.0.113.2' })).status).toBe(201);
      } finally {
        undo();
      }
    });

    it('404 for unknown ids; bad ids answer 404 without reaching the store', async () => {
      const unknown = await get(newId());
      expect(unknown.status).toBe(404);
      expectShareHeaders(unknown);
      const before = calls();
      for (const bad of ['', 'short', 'A'.repeat(21), 'A'.repeat(23), 'A'.repeat(21) + 'B', 'A'.repeat(21) + '.', '../../etc/passwd', `${'A'.repeat(21)}A\u0000`, "'; DROP TABLE share_links; --"]) {
        const g = await get(bad);
        expect(g.status).toBe(404);
        expectShareHeaders(g);
        const d = await del(bad, 'x'.repeat(43));
        expect(d.status).toBe(404);
        expectShareHeaders(d);
      }
      expect(calls()).toBe(before);
    });

    it('410 once expired (clock moved), with a clear error; 404 after the tombstone is dropped', async () => {
      const { id } = await create(3600);
      clock = T0 + HOUR - 1;
      expect((await get(id)).status).toBe(200);
      clock = T0 + HOUR;
      const g = await get(id);
      expect(g.status).toBe(410);
      expectShareHeaders(g);
      expect(await g.json()).toEqual({ error: expect.stringMatching(/expired/), expiredAt: new Date(T0 + HOUR).toISOString() });
      // the lazy sweep (at most once a minute) purges the ciphertext, and the link still says expired
      clock = T0 + HOUR + SWEEP_INTERVAL_MS + 1;
      expect((await get(id)).status).toBe(410);
      expect((await backend.row(id))?.ciphertext).toBeNull();
      clock = T0 + HOUR + TOMBSTONE_RETENTION_MS + 2 * SWEEP_INTERVAL_MS;
      await get(newId()); // any request may run the sweep
      expect((await get(id)).status).toBe(404);
    });

    it('DELETE: 403 without or with a wrong token, 204 with it, then 404', async () => {
      const { id, deleteToken } = await create();
      for (const [token, scheme] of [[undefined, 'Bearer'], ['', 'Bearer'], ['x'.repeat(43), 'Bearer'], [deleteToken, 'Basic'], [deleteToken.slice(0, -1), 'Bearer']] as const) {
        const res = await del(id, token, scheme);
        expect(res.status).toBe(403);
        expectShareHeaders(res);
        expect(typeof (await res.json()).error).toBe('string');
      }
      expect((await get(id)).status).toBe(200);
      const ok = await del(id, deleteToken);
      expect(ok.status).toBe(204);
      expectShareHeaders(ok);
      expect(await ok.text()).toBe('');
      expect((await get(id)).status).toBe(404);
      expect((await del(id, deleteToken)).status).toBe(404);
      expect(await backend.row(id)).toBeUndefined();
    });

    it('other methods answer 405 with Allow and the share headers', async () => {
      const r1 = await collection.GET();
      expect(r1.status).toBe(405);
      expect(r1.headers.get('allow')).toBe('POST');
      expectShareHeaders(r1);
      const r2 = await item.PUT();
      expect(r2.status).toBe(405);
      expect(r2.headers.get('allow')).toBe('GET, DELETE');
      expectShareHeaders(r2);
    });
  });

  describe('the server never holds a secret or the plaintext', () => {
    it('redact → seal → POST → GET → open: no planted secret, plaintext line, key or token in the database or the logs', async () => {
      const rng = makeRng(backend.name === 'sqlite' ? 4101 : 4102);
      const id = awsKeyId(rng);
      const secret = awsSecret(rng);
      const gh = githubClassic(rng);
      const hf = huggingFaceToken(rng);
      const pw = password(rng, 22);
      const pem = pemBlock(rng, 'RSA', 6);
      const pct = secret.replace(/\+/g, '%2B').replace(/\//g, '%2F').replace(/=/g, '%3D');
      const blob = base64Encode(`[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`);
      const canary = `leak-canary-${base64Encode(String(rng())).replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
      const config = [
        `cluster_name: ${canary}`,
        'provider:',
        '  type: aws',
        '  region: us-west-2',
        '  aws_credentials:',
        `    aws_access_key_id: ${id}`,
        `    aws_secret_access_key: "${secret}"`,
        'setup_commands:',
        `  - git clone https://${gh}@github.com/acme/trainer.git`,
        `  - export HF_TOKEN=${hf} DB_PASSWORD='${pw}'`,
        `  - curl "https://store.example/put?AWS_SECRET_ACCESS_KEY=${pct}&x=1"`,
        `  - echo ${blob} | base64 -d > ~/.aws/credentials`,
        `  - echo "${canary} distinctive plaintext line"`,
        'file_contents:',
        '  id_rsa: |',
        `      ${pem}`,
        'head_node_type: head',
        'available_node_types:',
        '  head:',
        '    node_config: {InstanceType: m5.large}',
        '',
      ].join('\n');
      const secrets = [id, secret, gh, hf, pw, pem, pct, blob, ...pem.split('\n').map((l) => l.trim()).filter((l) => l.length > 20)];
      const plaintext = [canary, `${canary} distinctive plaintext line`, 'git clone https://', 'store.example/put', 'InstanceType: m5.large'];

      const logged: string[] = [];
      const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
        vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
          logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
        }),
      );
      const env = backend.env();
      const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      await resetServerShareStore();
      // the real server store (picked from the environment), only the clock is the test's
      const restore = configureShareApi({ store: (await import('@/lib/server/share-store')).serverShareStore, now: () => T0, limiter: new TokenBucketLimiter() });
      try {
        // the browser's half
        const analysis = analyzeStatic(config);
        const redaction = redactForShare(config, { extra: credentialRanges(config, analysis.findings) });
        expect(redaction.clean).toBe(true);
        const payload: SharePayload = {
          v: 1,
          config: redaction.text,
          fileName: 'cluster.yaml',
          findings: remapFindings(analysis.findings, config, redaction),
          computedAt: new Date(T0).toISOString(),
          iamSource: { kind: 'demo', label: 'Demo account', accountId: '314159265358' },
          rulesVersion: 'test',
        };
        for (const s of secrets) expect(JSON.stringify(payload)).not.toContain(s);
        const sealed = await seal(payload);

        // the server's half
        const created = await post({ ciphertext: sealed.ciphertext, expiresIn: 86_400 });
        expect(created.status).toBe(201);
        const { id: shareId, deleteToken } = await created.json();
        const fetched = await get(shareId);
        expect(fetched.status).toBe(200);
        const back = await fetched.json();
        expect(back.ciphertext).toBe(sealed.ciphertext);
        expect((await open(back.ciphertext, sealed.key)).config).toBe(redaction.text);

        // the stored bytes: the ciphertext is there (we are looking at the right place) ...
        const stored = await backend.bytes();
        const ct = Buffer.from(decodeBase64url(sealed.ciphertext)!).toString('latin1');
        const ctHex = Buffer.from(decodeBase64url(sealed.ciphertext)!).subarray(0, 32).toString('hex');
        expect(stored.some((f) => f.data.includes(ct) || f.data.includes(ctHex))).toBe(true);
        // ... and nothing else that matters is
        const needles = [...secrets, ...plaintext, sealed.key, deleteToken];
        for (const f of stored) {
          for (const n of needles) {
            if (f.data.includes(n)) throw new Error(`${backend.name}: ${f.where} holds a planted value or plaintext (needle #${needles.indexOf(n)})`);
          }
        }
        // the logs
        for (const line of logged) for (const n of [...needles, sealed.ciphertext.slice(0, 32)]) expect(line).not.toContain(n);
        expect(existsSync(path.join(env.RAYGUARD_DATA_DIR ?? '/nonexistent', 'rayguard.db'))).toBe(backend.name === 'sqlite');
      } finally {
        restore();
        await resetServerShareStore();
        for (const [k, v] of Object.entries(savedEnv)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        for (const s of spies) s.mockRestore();
      }
    });
  });
});

describe('share routes when the store fails', () => {
  it('answer 503 and log no detail', async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      logged.push(a.map(String).join(' '));
    });
    const failing: ShareStore = {
      kind: 'postgres',
      ready: async () => undefined,
      create: async () => {
        // a driver message that names the server; never to be logged
        throw Object.assign(new Error('connect ECONNREFUSED db.internal.example:5432'), { code: 'ECONNREFUSED' });
      },
      get: async () => {
        throw new Error('relation "share_links" does not exist');
      },
      delete: async () => {
        throw new Error('boom');
      },
      sweep: async () => 0,
      close: async () => undefined,
    };
    const restore = configureShareApi({ store: async () => failing, now: () => T0, limiter: new TokenBucketLimiter() });
    try {
      const { ciphertext } = await sealedSample();
      const r1 = await post({ ciphertext });
      expect(r1.status).toBe(503);
      expectShareHeaders(r1);
      expect((await get(newId())).status).toBe(503);
      expect((await del(newId(), 'x'.repeat(43))).status).toBe(503);
      // one line per store failure (error name and code only), one per request (route and status)
      const store = logged.filter((l) => l.includes('share store'));
      expect(store.length).toBe(3);
      expect(logged.filter((l) => /"msg":"request".*"status":503/.test(l)).length).toBe(3);
      expect(logged.join('\n')).not.toMatch(/db\.internal|5432|share_links|boom/);
      expect(store[0]).toContain('ECONNREFUSED');
    } finally {
      restore();
      spy.mockRestore();
    }
  });
});
