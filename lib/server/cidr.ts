/**
 * IP addresses and CIDR ranges (IPv4 and IPv6) for the auth proxy's address check.
 *
 * An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is the IPv4 address it carries, both as a peer and
 * in a configured range (`::ffff:10.0.0.0/104` is `10.0.0.0/8`), so a dual-stack socket and an
 * IPv4 setting agree.
 */

export interface Ip {
  version: 4 | 6;
  /** 4 or 16 bytes. */
  bytes: Uint8Array;
}

const V4_PART = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function parseV4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => V4_PART.test(p))) return null;
  return Uint8Array.from(parts.map(Number));
}

function parseV6(s: string): Uint8Array | null {
  if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const words = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const groups = h.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return null;
  // A dotted quad may only end the address.
  if (halves.length === 2 && halves[0].includes('.')) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return null;
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[i * 2] = w >> 8;
    bytes[i * 2 + 1] = w & 0xff;
  });
  return bytes;
}

const isMapped = (b: Uint8Array) => b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** An address (no prefix, no zone id), IPv4-mapped IPv6 turned into IPv4; null when not an address. */
export function parseIp(input: string): Ip | null {
  const s = input.trim().replace(/^\[(.*)\]$/, '$1');
  if (s.includes('%')) return null;
  const v4 = parseV4(s);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseV6(s);
  if (!v6) return null;
  if (isMapped(v6)) return { version: 4, bytes: v6.slice(12) };
  return { version: 6, bytes: v6 };
}

export interface Cidr {
  ip: Ip;
  prefix: number;
}

/** `10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`, `::ffff:10.0.0.0/104`; null when malformed. */
export function parseCidr(input: string): Cidr | null {
  const [addr, prefixText, extra] = input.trim().split('/');
  if (extra !== undefined) return null;
  const raw = addr.trim().replace(/^\[(.*)\]$/, '$1');
  const ip = parseIp(raw);
  if (!ip) return null;
  const writtenAsV6 = raw.includes(':');
  const max = writtenAsV6 ? 128 : 32;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
  }
  if (writtenAsV6 && ip.version === 4) {
    // A mapped range: its prefix counts the 96 bits of ::ffff: first.
    if (prefix < 96) return null;
    prefix -= 96;
  }
  return { ip, prefix };
}

export function cidrContains(range: Cidr, ip: Ip): boolean {
  if (range.ip.version !== ip.version) return false;
  let bits = range.prefix;
  for (let i = 0; i < ip.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((range.ip.bytes[i] & mask) !== (ip.bytes[i] & mask)) return false;
  }
  return true;
}

/** Whether `address` lies in any of `ranges` (strings as configured; malformed ones match nothing). */
export function addressInRanges(address: string | null | undefined, ranges: readonly string[]): boolean {
  if (!address) return false;
  const ip = parseIp(address);
  if (!ip) return false;
  for (const r of ranges) {
    const range = parseCidr(r);
    if (range && cidrContains(range, ip)) return true;
  }
  return false;
}

/**
 * The rate-limit bucket of an address: an IPv4 address itself (IPv4-mapped IPv6 included), an
 * IPv6 address's /64 (one subscriber or host usually gets a whole /64, and picks any address in
 * it at will); null when not an address.
 */
export function addressBucket(address: string): string | null {
  const ip = parseIp(address);
  if (!ip) return null;
  if (ip.version === 4) return ip.bytes.join('.');
  const words: string[] = [];
  for (let i = 0; i < 8; i += 2) words.push(((ip.bytes[i] << 8) | ip.bytes[i + 1]).toString(16));
  return `${words.join(':')}::/64`;
}
