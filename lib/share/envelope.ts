/**
 * The share envelope: what leaves the browser when a validation is shared. The one module that
 * touches WebCrypto for sharing (generate a key, seal, open, encode for the URL).
 *
 *   payload (JSON) → deflate (CompressionStream) → AES-256-GCM
 *
 * Sealed bytes:  [version = 1][key check: 16][IV: 12][AES-GCM ciphertext + 16-byte tag]
 *
 * - The key is 256 random bits, made fresh for every share; it travels only in the URL fragment.
 * - The IV is 96 random bits (one message per key, so a random IV cannot repeat under a key).
 * - The version byte and the key check are the additional authenticated data: changing either
 *   fails the tag.
 * - The key check is the first 16 bytes of SHA-256("rayguard-share-key-check-v1" ‖ key). With it a
 *   wrong key (a link cut short or mistyped) is told apart from damaged data, and a ciphertext is
 *   bound to the one key that made it (AES-GCM alone is not key-committing).
 * - Opening is bounded: at most MAX_SEALED_BYTES in, at most MAX_PLAINTEXT_BYTES decompressed
 *   (the inflater is stopped as soon as it goes past: a small deflate bomb cannot fill memory).
 *
 * Pure: only `globalThis.crypto`, `CompressionStream`/`DecompressionStream`, TextEncoder/Decoder
 * (browsers, workers, Node ≥ 20). Errors never contain key or payload material.
 */
import type { Finding, FixId, Severity } from '../findings/types';
import type { IamSourceKind } from '../iam/types';
import { readAtMost } from '../stream';
import { decodeBase64url, decodedLength, encodeBase64url } from './base64url';

export const ENVELOPE_VERSION = 1;
/** Largest sealed envelope, in bytes (the server refuses larger uploads with 413). */
export const MAX_SEALED_BYTES = 1024 * 1024;
/** Largest payload JSON, in bytes, before compression and after decompression. */
export const MAX_PLAINTEXT_BYTES = 8 * 1024 * 1024;
/** Longest serverless fragment (`v1:…`, without the `#`); bigger shares go through the server. */
export const FRAGMENT_MAX_CHARS = 6000;
export const FRAGMENT_PREFIX = 'v1:';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const CHECK_BYTES = 16;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + CHECK_BYTES;
const MIN_SEALED_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES + 1;
const KEY_CHECK_LABEL = 'rayguard-share-key-check-v1';
const COMPRESSION: CompressionFormat = 'deflate';

/** Where the shared findings' IAM answers came from (null: static checks only). */
export interface ShareIamSource {
  kind: IamSourceKind;
  label: string;
  accountId?: string;
}

/** What a share carries. */
export interface SharePayload {
  v: 1;
  /** The config as shared (already redacted). */
  config: string;
  fileName: string;
  /** The findings as they were computed (positions in `config`). */
  findings: Finding[];
  /** When the findings were computed (ISO 8601). */
  computedAt: string;
  iamSource: ShareIamSource | null;
  /** The rule set the findings came from. */
  rulesVersion: string;
}

export interface Sealed {
  /** The sealed envelope, base64url: what the server stores. */
  ciphertext: string;
  /** The 256-bit key, base64url (43 characters): what stays in the URL fragment. */
  key: string;
}

export type ShareErrorCode = 'bad-key' | 'corrupt' | 'unsupported-version' | 'too-large';

const MESSAGES: Record<ShareErrorCode, string> = {
  'bad-key': 'The key in this link does not open the share: the link may have been cut short or changed. Ask for the full link again.',
  corrupt: 'The shared data is damaged or was altered, and cannot be opened.',
  'unsupported-version': 'This share was made by a newer or unknown version of Rayguard and cannot be opened here.',
  'too-large': 'The share is too large.',
};

/** A share that cannot be sealed or opened; `code` says why, `message` is fit to show a user. */
export class ShareError extends Error {
  constructor(
    readonly code: ShareErrorCode,
    message: string = MESSAGES[code],
  ) {
    super(message);
    this.name = 'ShareError';
  }
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto is not available here (a secure context is required)');
  return s;
}

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

async function keyCheck(key: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const label = new TextEncoder().encode(KEY_CHECK_LABEL);
  const input = new Uint8Array(label.length + key.length);
  input.set(label);
  input.set(key, label.length);
  return new Uint8Array(await subtle().digest('SHA-256', input)).slice(0, CHECK_BYTES);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

async function collect(readable: ReadableStream<Uint8Array>, cap: number, tooLarge: string): Promise<Uint8Array<ArrayBuffer>> {
  const out = await readAtMost(readable, cap);
  if (!out) throw new ShareError('too-large', tooLarge);
  return out;
}

/** Runs bytes through a (de)compression stream, reading at most `cap` bytes of output. */
async function transform(
  stream: CompressionStream | DecompressionStream,
  input: Uint8Array<ArrayBuffer>,
  cap: number,
  tooLarge: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const writer = stream.writable.getWriter();
  // Write and close without awaiting: the output must be read concurrently, and a failure
  // surfaces on the reading side (these promises are only kept from going unhandled).
  writer.write(input).catch(() => undefined);
  writer.close().catch(() => undefined);
  return collect(stream.readable, cap, tooLarge);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
const posInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

/** A finding as shared: the known fields only, each checked. */
function findingOf(v: unknown): Finding | undefined {
  if (!isObject(v)) return undefined;
  const { ruleId, severity, message, yamlPath, line, column, endLine, endColumn } = v;
  if (typeof ruleId !== 'string' || !/^RG\d{3}$/.test(ruleId)) return undefined;
  if (typeof severity !== 'string' || !(SEVERITIES as readonly string[]).includes(severity)) return undefined;
  if (typeof message !== 'string' || typeof yamlPath !== 'string') return undefined;
  if (!posInt(line) || !posInt(column) || !posInt(endLine) || !posInt(endColumn)) return undefined;
  const f: Finding = { ruleId, severity: severity as Severity, message, yamlPath, line, column, endLine, endColumn };
  for (const k of ['kind', 'preview', 'accountId', 'fix'] as const) {
    const x = Object.hasOwn(v, k) ? v[k] : undefined;
    if (x === undefined) continue;
    if (typeof x !== 'string') return undefined;
    if (k === 'fix') f.fix = x as FixId;
    else f[k] = x;
  }
  return f;
}

function iamSourceOf(v: unknown): ShareIamSource | null | undefined {
  if (v === null) return null;
  if (!isObject(v)) return undefined;
  const { kind, label, accountId } = v;
  if (kind !== 'demo' && kind !== 'snapshot' && kind !== 'live') return undefined;
  if (typeof label !== 'string') return undefined;
  if (accountId !== undefined && typeof accountId !== 'string') return undefined;
  return accountId === undefined ? { kind, label } : { kind, label, accountId };
}

/**
 * The payload in `v` (a parsed JSON value) with only its known fields, or undefined when it is
 * not a v1 payload. A `v` other than 1 is reported separately (unsupported version).
 */
export function payloadOf(v: unknown): SharePayload | undefined {
  if (!isObject(v) || v.v !== 1) return undefined;
  const { config, fileName, findings, computedAt, iamSource, rulesVersion } = v;
  if (typeof config !== 'string' || typeof fileName !== 'string' || typeof computedAt !== 'string' || typeof rulesVersion !== 'string') return undefined;
  if (Number.isNaN(Date.parse(computedAt))) return undefined;
  if (!Array.isArray(findings)) return undefined;
  const fs: Finding[] = [];
  for (const x of findings) {
    const f = findingOf(x);
    if (!f) return undefined;
    fs.push(f);
  }
  const iam = iamSourceOf(Object.hasOwn(v, 'iamSource') ? iamSource : null);
  if (iam === undefined) return undefined;
  return { v: 1, config, fileName, findings: fs, computedAt, iamSource: iam, rulesVersion };
}

/** Compresses and encrypts a payload under a fresh random key. */
export async function seal(payload: SharePayload): Promise<Sealed> {
  const clean = payloadOf(payload);
  if (!clean) throw new TypeError('seal: not a share payload');
  const json = new TextEncoder().encode(JSON.stringify(clean));
  if (json.length > MAX_PLAINTEXT_BYTES) throw new ShareError('too-large', `The share is larger than ${MAX_PLAINTEXT_BYTES} bytes.`);
  const tooLarge = `The share is larger than ${MAX_SEALED_BYTES} bytes once compressed.`;
  const packed = await transform(new CompressionStream(COMPRESSION), json, MAX_SEALED_BYTES, tooLarge);

  const rawKey = randomBytes(KEY_BYTES);
  const iv = randomBytes(IV_BYTES);
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = ENVELOPE_VERSION;
  header.set(await keyCheck(rawKey), 1);
  const key = await subtle().importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['encrypt']);
  const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: header, tagLength: TAG_BYTES * 8 }, key, packed));

  const out = new Uint8Array(HEADER_BYTES + IV_BYTES + ct.length);
  out.set(header);
  out.set(iv, HEADER_BYTES);
  out.set(ct, HEADER_BYTES + IV_BYTES);
  if (out.length > MAX_SEALED_BYTES) throw new ShareError('too-large', tooLarge);
  return { ciphertext: encodeBase64url(out), key: encodeBase64url(rawKey) };
}

/**
 * Quick structural check of a sealed envelope (no key needed): the size and version a server can
 * verify before storing it. Returns the problem, or null when it looks like an envelope.
 */
export function envelopeProblem(bytes: Uint8Array): ShareErrorCode | null {
  if (bytes.length > MAX_SEALED_BYTES) return 'too-large';
  if (bytes.length === 0) return 'corrupt';
  if (bytes[0] !== ENVELOPE_VERSION) return 'unsupported-version';
  if (bytes.length < MIN_SEALED_BYTES) return 'corrupt';
  return null;
}

/** Decrypts and decompresses a sealed envelope. Fails with a ShareError, never anything else. */
export async function open(ciphertext: string, key: string): Promise<SharePayload> {
  if (typeof key !== 'string' || key.length !== Math.ceil((KEY_BYTES * 4) / 3)) throw new ShareError('bad-key');
  const rawKey = decodeBase64url(key);
  if (!rawKey || rawKey.length !== KEY_BYTES) throw new ShareError('bad-key');
  if (typeof ciphertext !== 'string') throw new ShareError('corrupt');
  if (decodedLength(ciphertext.length) > MAX_SEALED_BYTES) throw new ShareError('too-large');
  const bytes = decodeBase64url(ciphertext);
  if (!bytes) throw new ShareError('corrupt');
  const problem = envelopeProblem(bytes);
  if (problem) throw new ShareError(problem);

  const header = bytes.slice(0, HEADER_BYTES);
  if (!sameBytes(header.subarray(1), await keyCheck(rawKey))) throw new ShareError('bad-key');
  const iv = bytes.slice(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const body = bytes.slice(HEADER_BYTES + IV_BYTES);

  let packed: Uint8Array<ArrayBuffer>;
  try {
    const k = await subtle().importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['decrypt']);
    packed = new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: header, tagLength: TAG_BYTES * 8 }, k, body));
  } catch {
    throw new ShareError('corrupt');
  }

  let json: Uint8Array;
  try {
    json = await transform(new DecompressionStream(COMPRESSION), packed, MAX_PLAINTEXT_BYTES, `The share holds more than ${MAX_PLAINTEXT_BYTES} bytes once decompressed.`);
  } catch (e) {
    if (e instanceof ShareError) throw e;
    throw new ShareError('corrupt');
  }
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new ShareError('corrupt');
  }
  if (isObject(data) && data.v !== 1) throw new ShareError('unsupported-version');
  const payload = payloadOf(data);
  if (!payload) throw new ShareError('corrupt');
  return payload;
}

// ---------------------------------------------------------------------------------------------
// URL fragments

/** The fragment of a stored link (`/s/<id>#k=<key>`), without the `#`. */
export function keyFragment(key: string): string {
  return `k=${key}`;
}

/** The key of a stored link's fragment (`#k=…` or `k=…`); null when there is none. */
export function keyFromFragment(fragment: string): string | null {
  const f = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  for (const part of f.split('&')) {
    if (part.startsWith('k=')) return part.slice(2);
  }
  return null;
}

/** True when the sealed share fits a serverless fragment link. */
export function fitsFragment(sealed: Sealed): boolean {
  return FRAGMENT_PREFIX.length + sealed.ciphertext.length + 1 + sealed.key.length <= FRAGMENT_MAX_CHARS;
}

/**
 * A serverless link's fragment (`/s#v1:<ciphertext>.<key>`, without the `#`): ciphertext and key
 * together, never sent to a server. Throws ShareError('too-large') past FRAGMENT_MAX_CHARS: share
 * through the server instead.
 */
export function toFragment(sealed: Sealed): string {
  if (!fitsFragment(sealed)) throw new ShareError('too-large', `The share does not fit a link of ${FRAGMENT_MAX_CHARS} characters; store it on the server instead.`);
  return `${FRAGMENT_PREFIX}${sealed.ciphertext}.${sealed.key}`;
}

/** The ciphertext and key of a serverless fragment (with or without the `#`). */
export function fromFragment(fragment: string): Sealed {
  const f = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (f.length > FRAGMENT_MAX_CHARS) throw new ShareError('too-large');
  if (!f.startsWith(FRAGMENT_PREFIX)) {
    throw new ShareError(/^v\d+:/.test(f) ? 'unsupported-version' : 'corrupt');
  }
  const rest = f.slice(FRAGMENT_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) throw new ShareError('bad-key');
  const ciphertext = rest.slice(0, dot);
  const key = rest.slice(dot + 1);
  if (ciphertext.length === 0) throw new ShareError('corrupt');
  if (key.length === 0) throw new ShareError('bad-key');
  return { ciphertext, key };
}
