/**
 * The PostgreSQL share store, for several replicas behind a load balancer: chosen when
 * `RAYGUARD_DATABASE_URL` (or `DATABASE_URL`) is set. The table is created when absent (under an
 * advisory lock, so replicas starting together do not race).
 */
import { log } from './log';
import pg from 'pg';
import { TOMBSTONE_RETENTION_MS, type DeleteResult, type GetResult, type ShareRecord, type ShareStore } from '../share/store';

const LOCK_KEY = 'rayguard.share_links';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS share_links (
  id                text PRIMARY KEY,
  ciphertext        bytea,
  size              integer NOT NULL,
  created_at        bigint NOT NULL,
  expires_at        bigint NOT NULL,
  delete_token_hash text NOT NULL
);
CREATE INDEX IF NOT EXISTS share_links_expires_at ON share_links (expires_at);
`;

interface Row {
  ciphertext: Buffer | null;
  created_at: string;
  expires_at: string;
}

export interface PostgresShareStoreOptions {
  connectionString: string;
  /** Pool size. Default 10. */
  max?: number;
}

export class PostgresShareStore implements ShareStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private schema: Promise<void> | null = null;
  private closing = false;

  constructor(opts: PostgresShareStoreOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 10_000,
      application_name: 'rayguard',
    });
    // An idle client losing its connection must not crash the server; the next query reconnects.
    // (The message is not logged: a driver message can quote connection details.)
    this.pool.on('error', (e: Error) => {
      if (this.closing) return;
      log('warn', 'share store: idle PostgreSQL connection failed', { error: e.name });
    });
  }

  private ensureSchema(): Promise<void> {
    this.schema ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK_KEY]);
        await client.query(SCHEMA);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    })().catch((e: unknown) => {
      this.schema = null;
      throw e;
    });
    return this.schema;
  }

  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    await this.ensureSchema();
    return this.pool.query<R>(sql, params);
  }

  async ready(): Promise<void> {
    await this.ensureSchema();
    await this.pool.query('SELECT 1');
  }

  async create(rec: ShareRecord): Promise<void> {
    await this.query(
      'INSERT INTO share_links (id, ciphertext, size, created_at, expires_at, delete_token_hash) VALUES ($1, $2, $3, $4, $5, $6)',
      [rec.id, Buffer.from(rec.ciphertext.buffer, rec.ciphertext.byteOffset, rec.ciphertext.byteLength), rec.ciphertext.byteLength, rec.createdAt, rec.expiresAt, rec.deleteTokenHash],
    );
  }

  async get(id: string, now: number): Promise<GetResult> {
    const { rows } = await this.query<Row>('SELECT ciphertext, created_at, expires_at FROM share_links WHERE id = $1', [id]);
    const row = rows[0];
    if (!row) return null;
    const expiresAt = Number(row.expires_at);
    if (expiresAt <= now || row.ciphertext === null) return { expired: true, expiresAt };
    return { ciphertext: new Uint8Array(row.ciphertext), createdAt: Number(row.created_at), expiresAt };
  }

  async delete(id: string, deleteTokenHash: string): Promise<DeleteResult> {
    const gone = await this.query('DELETE FROM share_links WHERE id = $1 AND delete_token_hash = $2', [id, deleteTokenHash]);
    if ((gone.rowCount ?? 0) > 0) return 'deleted';
    const { rows } = await this.query('SELECT 1 FROM share_links WHERE id = $1', [id]);
    return rows.length > 0 ? 'forbidden' : 'missing';
  }

  async sweep(now: number): Promise<number> {
    const purged = await this.query('UPDATE share_links SET ciphertext = NULL WHERE expires_at <= $1 AND ciphertext IS NOT NULL', [now]);
    const dropped = await this.query('DELETE FROM share_links WHERE expires_at <= $1', [now - TOMBSTONE_RETENTION_MS]);
    return (purged.rowCount ?? 0) + (dropped.rowCount ?? 0);
  }

  /** Ends the pool and waits until its connections are closed (pool.end() alone does not wait). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const open = this.pool.totalCount;
    let removed = 0;
    const allClosed = new Promise<void>((resolve) => {
      if (open === 0) resolve();
      this.pool.on('remove', () => {
        if (++removed >= open) resolve();
      });
    });
    await this.pool.end();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([allClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
  }
}
