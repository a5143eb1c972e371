/**
 * The server's share store, chosen once per process (lazily, on first use):
 *
 * - PostgreSQL when `RAYGUARD_DATABASE_URL` (or else `DATABASE_URL`) is set;
 * - else SQLite, `rayguard.db` in `RAYGUARD_DATA_DIR` (default `./data`).
 *
 * Connection strings are never logged or put into an error message.
 */
import path from 'node:path';
import type { ShareStore } from '../share/store';

let pending: Promise<ShareStore> | null = null;

export function databaseUrl(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.RAYGUARD_DATABASE_URL?.trim() || env.DATABASE_URL?.trim() || undefined;
}

/** A new store for this environment (not the process's shared one). */
export async function openShareStore(env: Record<string, string | undefined> = process.env): Promise<ShareStore> {
  const url = databaseUrl(env);
  if (url) {
    const { PostgresShareStore } = await import('./share-postgres');
    return new PostgresShareStore({ connectionString: url });
  }
  const { SqliteShareStore, dataDir, DB_FILE_NAME } = await import('./share-sqlite');
  return new SqliteShareStore(path.join(/*turbopackIgnore: true*/ dataDir(env), DB_FILE_NAME));
}

/** The process's store (one per process; the first call picks it). */
export function serverShareStore(): Promise<ShareStore> {
  pending ??= openShareStore().catch((e: unknown) => {
    pending = null;
    throw e;
  });
  return pending;
}

/** Closes and forgets the process's store (tests; a later call picks again from the environment). */
export async function resetServerShareStore(): Promise<void> {
  const p = pending;
  pending = null;
  if (p) await (await p.catch(() => null))?.close();
}
