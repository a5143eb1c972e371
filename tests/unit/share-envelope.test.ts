/**
 * The share envelope (lib/share/envelope.ts): sealing round-trips; every way a link or its data
 * can be damaged fails with a ShareError whose code says what happened, never with anything else
 * and never with key material in the message. Some envelopes are built here by hand, from the
 * documented layout, to reach the checks past the tag (bad payloads, other versions, a deflate bomb).
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from '@/lib/share/base64url';
import {
  FRAGMENT_MAX_CHARS,
  MAX_PLAINTEXT_BYTES,
  MAX_SEALED_BYTES,
  ShareError,
  envelopeProblem,
  fitsFragment,
  fromFragment,
  keyFragment,
  keyFromFragment,
  open,
  seal,
  toFragment,
  type ShareErrorCode,
  type SharePayload,
} from '@/lib/share/envelope';

const payload: SharePayload = {
  v: 1,
  config: 'cluster_name: démo 🚀\r\nprovider:\n  type: aws\n  region: us-west-2\n# key: <redacted:aws-secret-access-key:1>\n',
  fileName: 'cluster.yaml',
  findings: [
    {
      ruleId: 'RG201', severity: 'warning', message: 'The head node type has no IamInstanceProfile.', yamlPath: 'available_node_types.head.node_config',
      line: 7, column: 5, endLine: 7, endColumn: 16, fix: 'add-instance-profile',
    },
    {
      ruleId: 'RG402', severity: 'error', message: 'An AWS secret access key.', yamlPath: 'setup_commands[0]',
      line: 5, column: 8, endLine: 5, endColumn: 44, kind: 'aws-secret-access-key', preview: '<redacted:aws-secret-access-key:1>',
    },
  ],
  computedAt: '2025-01-02T03:04:05.000Z',
  iamSource: { kind: 'demo', label: 'Demo account (embedded snapshot)', accountId: '314159265358' },
  rulesVersion: '0.1.0',
};

async function failure(p: Promise<unknown>): Promise<ShareError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ShareError);
    return e as ShareError;
  }
  throw new Error('expected a ShareError');
}

async function code(p: Promise<unknown>): Promise<ShareErrorCode> {
  return (await failure(p)).code;
}

function flip(b64: string, at: number, mask = 0x01): string {
  const bytes = decodeBase64url(b64)!;
  bytes[at < 0 ? bytes.length + at : at] ^= mask;
  return encodeBase64url(bytes);
}

/** An envelope built by hand: [version][key check 16][IV 12][AES-GCM(deflate(plaintext))], AAD = version + key check. */
async function handSeal(plaintext: Uint8Array, opts: { version?: number; compressed?: Uint8Array<ArrayBuffer> } = {}): Promise<{ ciphertext: string; key: string }> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const label = new TextEncoder().encode('rayguard-share-key-check-v1');
  const check = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array([...label, ...raw]))).slice(0, 16);
  const header = new Uint8Array([opts.version ?? 1, ...check]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
  const packed = opts.compressed ?? new Uint8Array(deflateSync(plaintext));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: header }, key, packed));
  return { ciphertext: encodeBase64url(new Uint8Array([...header, ...iv, ...ct])), key: encodeBase64url(raw) };
}

/** Random bytes (getRandomValues fills at most 64 KiB per call). */
function noise(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('seal and open', () => {
  it('round-trips the payload exactly', async () => {
    const s = await seal(payload);
    expect(s.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.ciphertext).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await open(s.ciphertext, s.key)).toEqual(payload);
  });

  it('round-trips a payload without IAM source and with awkward text', async () => {
    const p: SharePayload = { ...payload, iamSource: null, findings: [], config: '\u0000\ud800 lone surrogate, "quotes", \\ backslashes\n'.repeat(50) };
    const s = await seal(p);
    expect(await open(s.ciphertext, s.key)).toEqual(p);
  });

  it('keeps only the known fields', async () => {
    const withExtra = { ...payload, secretField: 'x', findings: [{ ...payload.findings[0], extra: 1 }] } as unknown as SharePayload;
    const s = await seal(withExtra);
    const back = await open(s.ciphertext, s.key);
    expect(back).not.toHaveProperty('secretField');
    expect(back.findings[0]).not.toHaveProperty('extra');
  });

  it('uses a fresh key and IV every time: sealing twice gives different ciphertexts', async () => {
    const a = await seal(payload);
    const b = await seal(payload);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.key).not.toBe(b.key);
    expect(a.ciphertext.slice(0, 40)).not.toBe(b.ciphertext.slice(0, 40));
  });

  it('compresses', async () => {
    const big = { ...payload, config: 'setup_commands:\n' + '  - pip install ray\n'.repeat(5000) };
    const s = await seal(big);
    expect(s.ciphertext.length).toBeLessThan(big.config.length / 20);
  });

  it('refuses to seal what is not a payload, and payloads past the limits', async () => {
    await expect(seal({ ...payload, v: 2 } as unknown as SharePayload)).rejects.toThrow(TypeError);
    // incompressible past the sealed cap
    expect(await code(seal({ ...payload, config: encodeBase64url(noise(1_100_000)) }))).toBe('too-large');
    // past the plaintext cap
    expect(await code(seal({ ...payload, config: 'a'.repeat(MAX_PLAINTEXT_BYTES) }))).toBe('too-large');
  });
});

describe('open fails cleanly', () => {
  it('on a tampered ciphertext: every region, several bytes and bits', async () => {
    const s = await seal(payload);
    const n = decodeBase64url(s.ciphertext)!.length;
    // version byte
    expect(await code(open(flip(s.ciphertext, 0), s.key))).toBe('unsupported-version');
    // key check (authenticated, and compared before decrypting)
    for (const at of [1, 8, 16]) expect(await code(open(flip(s.ciphertext, at), s.key))).toBe('bad-key');
    // IV, body, tag
    for (const at of [17, 22, 28, 29, 35, Math.floor(n / 2), n - 17, n - 16, n - 8, n - 1]) {
      for (const mask of [0x01, 0x80, 0xff]) expect(await code(open(flip(s.ciphertext, at, mask), s.key))).toBe('corrupt');
    }
  });

  it('with a wrong key', async () => {
    const s = await seal(payload);
    const other = await seal(payload);
    expect(await code(open(s.ciphertext, other.key))).toBe('bad-key');
    expect(await code(open(s.ciphertext, flip(s.key, 31, 0x01)))).toBe('bad-key');
    expect(await code(open(s.ciphertext, s.key.slice(0, -1)))).toBe('bad-key'); // cut short
    expect(await code(open(s.ciphertext, s.key + 'A'))).toBe('bad-key');
    expect(await code(open(s.ciphertext, ''))).toBe('bad-key');
    expect(await code(open(s.ciphertext, '!'.repeat(43)))).toBe('bad-key');
    expect(await code(open(s.ciphertext, s.key.slice(0, 42) + 'B'))).toBe('bad-key'); // non-canonical last character
    expect(await code(open(s.ciphertext, undefined as unknown as string))).toBe('bad-key');
  });

  it('on truncated input', async () => {
    const s = await seal(payload);
    const bytes = decodeBase64url(s.ciphertext)!;
    for (const keep of [0, 1, 10, 17, 29, 45, bytes.length - 16, bytes.length - 1]) {
      const c = await code(open(encodeBase64url(bytes.slice(0, keep)), s.key));
      expect(c).toBe('corrupt');
    }
    // a base64url string cut mid-character
    expect(await code(open(s.ciphertext.slice(0, -1), s.key))).toBe('corrupt');
  });

  it('on empty input and garbage', async () => {
    const s = await seal(payload);
    expect(await code(open('', s.key))).toBe('corrupt');
    expect(await code(open('not base64url!', s.key))).toBe('corrupt');
    expect(await code(open('aGVsbG8=', s.key))).toBe('corrupt'); // padded
    expect(await code(open(s.ciphertext.replace(/[A-Za-z]/, '+'), s.key))).toBe('corrupt');
    for (let i = 0; i < 20; i++) {
      const junk = crypto.getRandomValues(new Uint8Array(20 + i * 37));
      const c = await code(open(encodeBase64url(junk), s.key));
      expect(['corrupt', 'unsupported-version', 'bad-key']).toContain(c);
      junk[0] = 1;
      expect(['corrupt', 'bad-key']).toContain(await code(open(encodeBase64url(junk), s.key)));
    }
    expect(await code(open(123 as unknown as string, s.key))).toBe('corrupt');
  });

  it('on an unknown envelope version, or a payload of another version', async () => {
    const s = await seal(payload);
    const bytes = decodeBase64url(s.ciphertext)!;
    bytes[0] = 2;
    expect(await code(open(encodeBase64url(bytes), s.key))).toBe('unsupported-version');
    const v2 = await handSeal(json({ ...payload, v: 2 }));
    expect(await code(open(v2.ciphertext, v2.key))).toBe('unsupported-version');
    const envelopeV2 = await handSeal(json(payload), { version: 2 });
    expect(await code(open(envelopeV2.ciphertext, envelopeV2.key))).toBe('unsupported-version');
  });

  it('on authentic envelopes that hold no payload', async () => {
    for (const inner of [json([1, 2]), json({ ...payload, findings: [{ ruleId: 'nope' }] }), json({ ...payload, config: 5 }), new Uint8Array([0xff, 0xfe, 0x00])]) {
      const e = await handSeal(inner);
      expect(await code(open(e.ciphertext, e.key))).toBe('corrupt');
    }
    const notDeflate = await handSeal(new Uint8Array(), { compressed: new TextEncoder().encode('plain text, not deflate') });
    expect(await code(open(notDeflate.ciphertext, notDeflate.key))).toBe('corrupt');
  });

  it('stops inflating a decompression bomb at the limit', async () => {
    // 64 MiB of zeros deflate to ~64 KiB; the limit is 8 MiB
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_SEALED_BYTES);
    const e = await handSeal(new Uint8Array(), { compressed: new Uint8Array(bomb) });
    const before = process.memoryUsage().arrayBuffers;
    const err = await failure(open(e.ciphertext, e.key));
    expect(err.code).toBe('too-large');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(48 * 1024 * 1024);
    // just under the limit still opens
    const fits = { ...payload, config: 'x'.repeat(MAX_PLAINTEXT_BYTES - 2000) };
    const ok = await handSeal(json(fits));
    expect((await open(ok.ciphertext, ok.key)).config.length).toBe(fits.config.length);
  });

  it('refuses an oversized ciphertext before decoding it', async () => {
    const s = await seal(payload);
    expect(await code(open('A'.repeat(Math.ceil((MAX_SEALED_BYTES * 4) / 3) + 8), s.key))).toBe('too-large');
  });

  it('never puts key or ciphertext into a message', async () => {
    const s = await seal(payload);
    const other = await seal(payload);
    for (const attempt of [() => open(s.ciphertext, other.key), () => open(flip(s.ciphertext, 40), s.key), () => open(s.ciphertext.slice(0, 30), s.key)]) {
      const e = await failure(attempt());
      for (const needle of [s.key, other.key, s.ciphertext.slice(0, 20)]) expect(e.message).not.toContain(needle);
      expect(e.message.length).toBeGreaterThan(10);
    }
  });
});

describe('envelopeProblem (what the server can check without a key)', () => {
  it('knows sizes and versions', async () => {
    const s = await seal(payload);
    const bytes = decodeBase64url(s.ciphertext)!;
    expect(envelopeProblem(bytes)).toBeNull();
    expect(envelopeProblem(new Uint8Array())).toBe('corrupt');
    expect(envelopeProblem(bytes.slice(0, 40))).toBe('corrupt');
    expect(envelopeProblem(new Uint8Array([9, ...bytes.slice(1)]))).toBe('unsupported-version');
    expect(envelopeProblem(new Uint8Array(MAX_SEALED_BYTES + 1).fill(1))).toBe('too-large');
  });
});

describe('URL fragments', () => {
  it('stored links carry the key as k=…', async () => {
    const s = await seal(payload);
    expect(keyFragment(s.key)).toBe(`k=${s.key}`);
    expect(keyFromFragment(`#${keyFragment(s.key)}`)).toBe(s.key);
    expect(keyFromFragment(keyFragment(s.key))).toBe(s.key);
    expect(keyFromFragment('#x=1&k=abc')).toBe('abc');
    expect(keyFromFragment('')).toBeNull();
  });

  it('serverless links round-trip, with or without the #', async () => {
    const s = await seal(payload);
    const f = toFragment(s);
    expect(f.startsWith('v1:')).toBe(true);
    expect(f.length).toBeLessThanOrEqual(FRAGMENT_MAX_CHARS);
    expect(f).toMatch(/^v1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    for (const frag of [f, `#${f}`]) {
      const back = fromFragment(frag);
      expect(back).toEqual(s);
      expect(await open(back.ciphertext, back.key)).toEqual(payload);
    }
  });

  it('has a size limit, and says so', async () => {
    const noisy = { ...payload, config: encodeBase64url(noise(6000)) };
    const s = await seal(noisy);
    expect(fitsFragment(s)).toBe(false);
    expect(() => toFragment(s)).toThrow(ShareError);
    try {
      toFragment(s);
    } catch (e) {
      expect((e as ShareError).code).toBe('too-large');
    }
    expect(() => fromFragment('v1:' + 'A'.repeat(FRAGMENT_MAX_CHARS))).toThrow(expect.objectContaining({ code: 'too-large' }));
    // the boundary: a fragment of exactly the limit is accepted
    const exact = { ciphertext: 'A'.repeat(FRAGMENT_MAX_CHARS - 3 - 1 - 43), key: 'B'.repeat(43) };
    expect(fitsFragment(exact)).toBe(true);
    expect(toFragment(exact).length).toBe(FRAGMENT_MAX_CHARS);
    expect(fitsFragment({ ...exact, ciphertext: exact.ciphertext + 'A' })).toBe(false);
  });

  it('rejects malformed fragments with the right code', async () => {
    const codeOf = (f: string) => {
      try {
        fromFragment(f);
      } catch (e) {
        expect(e).toBeInstanceOf(ShareError);
        return (e as ShareError).code;
      }
      return 'ok';
    };
    expect(codeOf('v2:abc.def')).toBe('unsupported-version');
    expect(codeOf('v1:abc')).toBe('bad-key');
    expect(codeOf('v1:abc.')).toBe('bad-key');
    expect(codeOf('v1:.abc')).toBe('corrupt');
    expect(codeOf('hello')).toBe('corrupt');
    expect(codeOf('')).toBe('corrupt');
    // a link whose key was cut short opens as bad-key
    const s = await seal(payload);
    const cut = fromFragment(toFragment(s).slice(0, -5));
    expect(await code(open(cut.ciphertext, cut.key))).toBe('bad-key');
  });
});

describe('a payload with an unreadable date', () => {
  it('is refused as damaged instead of breaking the page', async () => {
    const { payloadOf } = await import('@/lib/share/envelope');
    const base = { v: 1, config: 'a: 1\n', fileName: 'x.yaml', findings: [], computedAt: new Date(0).toISOString(), iamSource: null, rulesVersion: '0.1.0' };
    expect(payloadOf(base)).toBeDefined();
    expect(payloadOf({ ...base, computedAt: 'not a date' })).toBeUndefined();
  });
});
