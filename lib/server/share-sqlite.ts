/**
 * The SQLite share store (the default): one file in the data directory, created on first use,
 * in WAL mode. better-sqlite3 is synchronous; each call is short (one indexed row), so the
 * methods simply run inline and resolve.
 *
 * `secure_delete` is on: purged and deleted ciphertext is overwritten in the file, not left in
 * free pages.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TOMBSTONE_RETENTION_MS, type DeleteResult, type GetResult, type ShareRecord, type ShareStore } from '../share/store';

export const DB_FILE_NAME = 'rayguard.db';

/** The data directory: `RAYGUARD_DATA_DIR`, else `./data` under the working directory. */
export function dataDir(env: Record<string, string | undefined> = process.env): string {
  const dir = env.RAYGUARD_DATA_DIR?.trim();
  // turbopackIgnore: a run-time path, not a file for the build to trace (else it traces the whole project)
  return path.resolve(/*turbopackIgnore: true*/ dir || 'data');
}

/**
 * `mkdir -p`, one level at a time. Node 20's recursive mkdirSync never returns for a path under
 * /proc (RAYGUARD_DATA_DIR=/proc/x froze the whole server); a plain mkdir fails there with a code.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(/*turbopackIgnore: true*/ d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(/*turbopackIgnore: true*/ d, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made meanwhile by another request
    }
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS share_links (
  id                TEXT PRIMARY KEY,
  ciphertext        BLOB,
  size              INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  delete_token_hash TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS share_links_expires_at ON share_links (expires_at);
`;

interface Row {
  ciphertext: Uint8Array | null;
  created_at: number;
  expires_at: number;
}

export class SqliteShareStore implements ShareStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | null = null;
  private closed = false;

  /** `file`: the database file (its directory is created when missing). */
  constructor(readonly file: string = path.join(/*turbopackIgnore: true*/ dataDir(), DB_FILE_NAME)) {}

  private open(): Database.Database {
    if (this.closed) throw new Error('the share store is closed');
    if (this.db) return this.db;
    const dir = path.dirname(this.file);
    makeDirs(dir);
    const db = new Database(/*turbopackIgnore: true*/ this.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('secure_delete = ON');
      db.exec(SCHEMA);
      try {
        // The WAL and shared-memory files hold the same data as the database.
        for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`]) if (existsSync(/*turbopackIgnore: true*/ f)) chmodSync(/*turbopackIgnore: true*/ f, 0o600);
      } catch {
        /* not ours to change (a mounted volume): the directory mode still applies */
      }
    } catch (e) {
      db.close();
      throw e;
    }
    this.db = db;
    return db;
  }

  async ready(): Promise<void> {
    this.open().prepare('SELECT 1').get();
  }

  async create(rec: ShareRecord): Promise<void> {
    this.open()
      .prepare('INSERT INTO share_links (id, ciphertext, size, created_at, expires_at, delete_token_hash) VALUES (?, ?, ?, ?, ?, ?)')
      .run(rec.id, Buffer.from(rec.ciphertext.buffer, rec.ciphertext.byteOffset, rec.ciphertext.byteLength), rec.ciphertext.byteLength, rec.createdAt, rec.expiresAt, rec.deleteTokenHash);
  }

  async get(id: string, now: number): Promise<GetResult> {
    const row = this.open().prepare<[string], Row>('SELECT ciphertext, created_at, expires_at FROM share_links WHERE id = ?').get(id);
    if (!row) return null;
    if (row.expires_at <= now || row.ciphertext === null) return { expired: true, expiresAt: row.expires_at };
    return { ciphertext: new Uint8Array(row.ciphertext), createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async delete(id: string, deleteTokenHash: string): Promise<DeleteResult> {
    const db = this.open();
    const gone = db.prepare('DELETE FROM share_links WHERE id = ? AND delete_token_hash = ?').run(id, deleteTokenHash);
    if (gone.changes > 0) {
      // Deleted means gone from the disk too: the WAL still holds the page until a checkpoint.
      db.pragma('wal_checkpoint(TRUNCATE)');
      return 'deleted';
    }
    return db.prepare('SELECT 1 FROM share_links WHERE id = ?').get(id) ? 'forbidden' : 'missing';
  }

  async sweep(now: number): Promise<number> {
    const db = this.open();
    const run = db.transaction(() => {
      const purged = db.prepare('UPDATE share_links SET ciphertext = NULL WHERE expires_at <= ? AND ciphertext IS NOT NULL').run(now).changes;
      const dropped = db.prepare('DELETE FROM share_links WHERE expires_at <= ?').run(now - TOMBSTONE_RETENTION_MS).changes;
      return purged + dropped;
    });
    const n = run();
    if (n > 0) db.pragma('wal_checkpoint(TRUNCATE)');
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.db?.close();
    this.db = null;
  }
}
