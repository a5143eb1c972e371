/**
 * Per-client rate limits. IAM throttling is account-wide, so one busy user of the dashboard could
 * slow every `ray up` of the account: validate and fix share one bucket per client, share links
 * another. A client is the signed-in user when sign-in is on, else its address.
 */
import { requestUser } from './auth-gate';
import { addressBucket } from './cidr';
import { peerAddress } from './peer';

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Token buckets in memory, one per key: `capacity` tokens, refilled evenly over `windowMs`
 * (e.g. 20 per 10 minutes: one every 30 s, bursts of up to 20). Per process: with several
 * replicas each keeps its own buckets. A capacity of 0 turns the limit off.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly capacity = 20,
    readonly windowMs = 10 * 60_000,
    private readonly maxKeys = 10_000,
  ) {
    this.perMs = capacity / windowMs;
  }

  take(key: string, now: number): TakeResult {
    if (this.capacity <= 0) return { ok: true };
    let b = this.buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.capacity, b.tokens + Math.max(0, now - b.at) * this.perMs);
      b.at = now;
    } else {
      this.prune(now);
      b = { tokens: this.capacity, at: now };
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000)) };
  }

  /** Keeps the table bounded: full buckets carry no state; past the cap the oldest keys go. */
  private prune(now: number): void {
    if (this.buckets.size < this.maxKeys) return;
    for (const [k, b] of this.buckets) {
      if (b.tokens + Math.max(0, now - b.at) * this.perMs >= this.capacity) this.buckets.delete(k);
    }
    for (const k of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(k);
    }
  }

  reset(): void {
    this.buckets.clear();
  }
}

/** Proxy hops to trust from `RAYGUARD_TRUST_PROXY` (`1`/`true`: one; a number: that many; else none). */
export function trustedProxyHops(env: Record<string, string | undefined> = process.env): number {
  const v = env.RAYGUARD_TRUST_PROXY?.trim().toLowerCase();
  if (!v) return 0;
  if (v === 'true' || v === 'yes') return 1;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n <= 10 ? n : 0;
}

/**
 * The client address of a request, as its rate-limit bucket (an IPv6 client counts per /64:
 * addresses within it cost nothing to change). Behind `hops` trusted proxies, each appending the
 * address it saw to `X-Forwarded-For`, the entry `hops` from the right is the client's. Without
 * trusted proxies, the socket's peer address (the client can write X-Forwarded-For itself, and
 * Next.js fills it in only when absent); when even that is unknown, every request shares one bucket.
 */
export function clientKey(req: Request, hops: number): string {
  if (hops <= 0) {
    const peer = peerAddress(req);
    const bucket = peer && peer.length <= 64 ? addressBucket(peer) : null;
    return bucket ? `ip:${bucket}` : 'all';
  }
  const xff = req.headers.get('x-forwarded-for');
  if (!xff) return 'no-forwarded-for';
  const list = xff.split(',').map((s) => s.trim()).filter(Boolean);
  const entry = list[Math.max(0, list.length - hops)] ?? '';
  const bucket = entry.length <= 64 ? addressBucket(entry) : null;
  return bucket ? `ip:${bucket}` : 'unparsable-forwarded-for';
}

/** The rate-limit key: the signed-in user, else the client address. */
export function rateKey(req: Request, hops: number = trustedProxyHops()): string {
  const user = requestUser(req);
  return user ? `user:${user.toLowerCase()}` : clientKey(req, hops);
}
