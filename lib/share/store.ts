/**
 * Where shared links live on the server: one small interface, two implementations
 * (lib/server/share-sqlite.ts, lib/server/share-postgres.ts) that pass the same contract tests.
 *
 * A store keeps only what the share contract allows: the id, the ciphertext, when the link was
 * created and expires, its size, and the SHA-256 of its delete token (never the token). Times are
 * milliseconds since the epoch; the caller passes `now`, so the clock can be moved in tests.
 *
 * Expiry: `get` answers an ExpiredShare (with the expiry time) for a link past its expiry. `sweep` purges expired links: their
 * ciphertext is deleted at once, and a tombstone (id and times, no data) stays for
 * TOMBSTONE_RETENTION_MS so that the link still says it expired rather than that it never
 * existed; then the row itself goes.
 */

export interface ShareRecord {
  /** 22 characters of base64url: 128 random bits. */
  id: string;
  ciphertext: Uint8Array;
  createdAt: number;
  expiresAt: number;
  /** SHA-256 of the delete token, base64url. */
  deleteTokenHash: string;
}

export interface StoredShare {
  ciphertext: Uint8Array;
  createdAt: number;
  expiresAt: number;
}

/** A link past its expiry: its data is gone (or going); when it expired is still known. */
export interface ExpiredShare {
  expired: true;
  expiresAt: number;
}

export type GetResult = StoredShare | ExpiredShare | null;

export function isExpired(r: GetResult): r is ExpiredShare {
  return r !== null && 'expired' in r;
}
export type DeleteResult = 'deleted' | 'forbidden' | 'missing';

export interface ShareStore {
  /** Which implementation (for logs and readiness answers). */
  readonly kind: 'sqlite' | 'postgres';
  /** Creates the schema when absent and checks the store answers. Idempotent. */
  ready(): Promise<void>;
  /** Stores a new link; fails when the id exists. */
  create(rec: ShareRecord): Promise<void>;
  get(id: string, now: number): Promise<GetResult>;
  /** Deletes the link when `deleteTokenHash` is its token's hash (expired links too). */
  delete(id: string, deleteTokenHash: string): Promise<DeleteResult>;
  /** Purges links expired at `now` (see the module comment); returns how many rows it changed. */
  sweep(now: number): Promise<number>;
  close(): Promise<void>;
}

/** How long an expired link's tombstone (no ciphertext) is kept so that the link says it expired. */
export const TOMBSTONE_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Share ids: 128 bits as canonical unpadded base64url (the last character carries 2 bits). */
export const SHARE_ID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

export function isShareId(id: string): boolean {
  return SHARE_ID_PATTERN.test(id);
}
