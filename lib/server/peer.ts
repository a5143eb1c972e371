/**
 * The TCP peer address of a request. Next.js does not give route handlers the socket, and it keeps
 * any `X-Forwarded-For` the client wrote, so instrumentation.ts stamps every incoming request with
 * PEER_HEADER from the socket itself, replacing whatever the client sent under that name.
 */
export const PEER_HEADER = 'x-rayguard-peer';

/** The peer address, `::ffff:` stripped from IPv4-mapped addresses; null when unknown. */
export function peerAddress(req: Request): string | null {
  const v = req.headers.get(PEER_HEADER);
  if (!v) return null;
  return v.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').toLowerCase();
}
