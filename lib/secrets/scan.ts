/**
 * Credential scanner for the raw text of Ray cluster YAML files (and any text).
 *
 * Pure TypeScript: no Node-only APIs, so it runs in the browser and in a Web Worker.
 *
 * How it works:
 * 1. A "joined view" of the text removes shell `\`-newline continuations and YAML escaped line
 *    breaks (a backslash ending a line, plus the next line's indentation), so a secret split
 *    across lines is one token. Offsets are mapped back to the raw text by binary search.
 * 2. Each rule (rules.ts) runs only if one of its keywords occurs in the lower-cased view.
 * 3. Candidates pass the shared filters: documentation keys, placeholders, rule allowlist,
 *    entropy floor, rule check.
 * 4. Base64 runs that decode to printable text are scanned again; findings inside are reported
 *    on the blob with `encoding: 'base64'`.
 * 5. Results are sorted, same-kind overlaps dropped, and generic findings (generic-password,
 *    private-key) dropped when a more specific finding covers the same text.
 *
 * No detected value is ever logged or put into an exception message.
 */
import type { SecretHit, SecretKind } from './types';
import { RULES, RULES_BY_ID, type AwsIdRef, type Candidate, type PemBlock, type Rule, type RuleContext } from './rules';
import { asciiTable, AWS_DOC_EXAMPLES, decodeBase64, runsOf, HEX_ESCAPE, hexEscapeCode, isPlaceholder, printableRatio, shannonEntropy } from './util';
import { firstAtOrAbove, lastAtOrBefore } from '../sorted';

export interface ScanHit extends SecretHit {
  /** The rule that produced the finding (`+base64` when found inside a decoded blob). */
  ruleId: string;
  /** Present when the source text is an encoded form of `value`. */
  encoding?: 'base64' | 'percent';
}

export interface ScanOptions {
  /** Only report findings of these rule ids (context such as key ids is still computed). */
  rules?: readonly string[];
  /** Decode base64 blobs and rescan them (default true). */
  decodeBase64?: boolean;
}

/** Base64 blobs are decoded at most this deep (a blob inside a decoded blob). */
const MAX_DEPTH = 2;
const MAX_BLOB = 4 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Joined view

class View {
  constructor(
    readonly text: string,
    private readonly segView: readonly number[],
    private readonly segRaw: readonly number[],
    /** Segments that are one decoded escape (`\x41`): one view character for several raw ones. */
    private readonly escapeSegs: ReadonlySet<number> = new Set(),
  ) {}

  private segment(j: number): number {
    const s = this.segView;
    return s.length === 1 ? 0 : lastAtOrBefore(s.length, (i) => s[i], j);
  }

  /** Raw offset of a view offset. */
  toRaw(j: number): number {
    const k = this.segment(j);
    return this.segRaw[k] + (j - this.segView[k]);
  }

  /** Raw offset just past the character before view offset `jEnd` (past the whole escape when it is one). */
  toRawEnd(jEnd: number): number {
    if (jEnd <= 0) return 0;
    const k = this.segment(jEnd - 1);
    if (this.escapeSegs.has(k)) return this.segRaw[k + 1];
    return this.segRaw[k] + (jEnd - 1 - this.segView[k]) + 1;
  }
}

/**
 * What the scanner reads: the raw text with `\`+newline+indentation continuations removed, the
 * `\` of JSON-style `\/` dropped (generated YAML and JSON put it inside base64 secrets), and YAML
 * and shell hex escapes (`\x41`, `\u0041`, `\U00000041`) of ASCII decoded, control characters
 * as a space (a key id written `"\x41KIA…"` is still that key id). An escaped backslash (`\\`) escapes nothing. Linear.
 */
function buildView(raw: string): View {
  if (raw.indexOf('\\') < 0) return new View(raw, [0], [0]);
  const re = new RegExp(String.raw`\\\r?\n[ \t]*|\\(?=\/)|\\(?:${HEX_ESCAPE})`, 'g');
  const parts: string[] = [];
  const segView = [0];
  const segRaw = [0];
  const escapeSegs = new Set<number>();
  let last = 0;
  let viewPos = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    let n = 0;
    for (let k = m.index; k >= last && raw.charCodeAt(k) === 92; k--) n++;
    if (n % 2 === 0) continue; // an escaped backslash, then ordinary text
    const c = m[0].charCodeAt(1);
    let decoded = '';
    if (c === 120 || c === 117 || c === 85) {
      const code = hexEscapeCode(m[0].slice(1));
      if (code > 0x7e) continue; // only ASCII
      // a control character or space separates words, as a space does: never invent structure
      decoded = code <= 0x20 ? ' ' : String.fromCharCode(code);
    }
    const before = raw.slice(last, m.index);
    parts.push(before);
    viewPos += before.length;
    if (decoded) {
      escapeSegs.add(segView.length);
      segView.push(viewPos);
      segRaw.push(m.index);
      parts.push(decoded);
      viewPos += 1;
    }
    last = m.index + m[0].length;
    segView.push(viewPos);
    segRaw.push(last);
  }
  if (segView.length === 1) return new View(raw, [0], [0]);
  parts.push(raw.slice(last));
  return new View(parts.join(''), segView, segRaw, escapeSegs);
}

// ---------------------------------------------------------------------------------------------
// PEM blocks

/** A space inside a marker; a folded YAML scalar may have turned it into a line break. */
const PEM_SP = String.raw`(?: |[ \t]*\r?\n[ \t]*)`;
const PEM_BEGIN = new RegExp(String.raw`-{4,5} ?BEGIN${PEM_SP}(?:[A-Z0-9]{1,16}${PEM_SP}){0,4}?PRIVATE${PEM_SP}KEY(?:${PEM_SP}BLOCK)? ?-{4,5}`, 'g');
const PEM_END = new RegExp(String.raw`-{4,5} ?END${PEM_SP}(?:[A-Z0-9]{1,16}${PEM_SP}){0,4}?PRIVATE${PEM_SP}KEY(?:${PEM_SP}BLOCK)? ?-{4,5}`, 'g');
const PEM_MAX_BODY = 64 * 1024;

interface Marker {
  start: number;
  end: number;
}

function markers(re: RegExp, text: string): Marker[] {
  const out: Marker[] = [];
  const r = new RegExp(re.source, re.flags);
  for (let m = r.exec(text); m; m = r.exec(text)) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}

function firstAtOrAfter(list: readonly Marker[], pos: number): number {
  return firstAtOrAbove(list.length, (i) => list[i].start, pos);
}

/** A PEM body is real key material: ≥ 64 base64 characters, high entropy, no placeholder. */
function pemBodyOk(body: string): boolean {
  if (/\.\.\.|…|<[A-Za-z ]|x{5,}|X{5,}|\$\{|\{\{/.test(body)) return false;
  const lines = body.replace(/\\+[nrt]/g, '\n');
  const noHeaders = lines.replace(/^[ \t#"']*[A-Za-z][A-Za-z-]*:[ \t].*$/gm, '');
  const b64 = noHeaders.replace(/[^A-Za-z0-9+/=]/g, '');
  return b64.length >= 64 && shannonEntropy(b64) >= 4.5;
}

/** End of a key that has no END marker: the base64 lines (or `\n`-separated parts) that follow. */
function truncatedPemEnd(text: string, from: number, limit: number): number {
  const seg = /(\r?\n|\\n)?([ \t#"']*)([A-Za-z0-9+/]{16,}={0,2})/y;
  seg.lastIndex = from;
  let end = -1;
  for (let m = seg.exec(text); m && seg.lastIndex <= limit; m = seg.exec(text)) {
    if (end >= 0 && m[1] === undefined) break; // segments must be separated by a line break
    end = seg.lastIndex;
  }
  return end;
}

const GCP_KEY_BEFORE = /private_key\\*["']?[ \t]*[:=][ \t]*(?:[|>][-+0-9]*[ \t]*\r?\n[ \t]*)?\\*["']?$/;
const GCP_EVIDENCE = /service_account|gserviceaccount\.com|private_key_id|client_x509_cert_url/;

function findPemBlocks(text: string): PemBlock[] {
  const begins = markers(PEM_BEGIN, text);
  if (begins.length === 0) return [];
  const ends = markers(PEM_END, text);
  const out: PemBlock[] = [];
  for (let i = 0; i < begins.length; i++) {
    const b = begins[i];
    const nextBegin = i + 1 < begins.length ? begins[i + 1].start : Infinity;
    const e = ends[firstAtOrAfter(ends, b.end)];
    let end: number;
    let body: string;
    if (e && e.start < nextBegin && e.start - b.end <= PEM_MAX_BODY) {
      end = e.end;
      body = text.slice(b.end, e.start);
    } else {
      const t = truncatedPemEnd(text, b.end, Math.min(nextBegin, b.end + 16 * 1024));
      if (t < 0) continue;
      end = t;
      body = text.slice(b.end, t);
    }
    if (!pemBodyOk(body)) continue;
    const before = text.slice(Math.max(0, b.start - 120), b.start);
    const gcp =
      GCP_KEY_BEFORE.test(before) && GCP_EVIDENCE.test(text.slice(Math.max(0, b.start - 4096), Math.min(text.length, end + 4096)));
    out.push({ start: b.start, end, gcp });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule evaluation

class Context implements RuleContext {
  private ids?: AwsIdRef[];
  private pems?: PemBlock[];
  constructor(
    readonly text: string,
    readonly has: (keyword: string) => boolean,
  ) {}

  awsIds(): readonly AwsIdRef[] {
    if (!this.ids) {
      const rule = RULES_BY_ID.get('aws-access-key-id');
      this.ids = rule && rule.keywords.some(this.has) ? [...candidates(rule, this)] : [];
    }
    return this.ids;
  }

  pemBlocks(): readonly PemBlock[] {
    if (!this.pems) this.pems = this.has('private key') ? findPemBlocks(this.text) : [];
    return this.pems;
  }
}

const SECRET_GROUPS = ['secret', 'secret2', 'secret3'] as const;

/** Filters that need only the value (cheap ones first). */
function valueOk(rule: Rule, value: string): boolean {
  if (value.length < (rule.minLength ?? 1)) return false;
  if (AWS_DOC_EXAMPLES.has(value)) return false;
  if (rule.placeholders !== false && isPlaceholder(value)) return false;
  if (rule.allow && rule.allow.some((a) => a.test(value))) return false;
  if (rule.entropy !== undefined && shannonEntropy(value) < rule.entropy) return false;
  return true;
}

/**
 * Pattern matches. The scan runs without the `d` flag (match indices make every match several
 * times slower in V8); only a candidate whose value passes the value filters is matched again,
 * sticky at the same position with `d`, to get the exact offsets of its secret group.
 */
function* patternCandidates(rule: Rule, ctx: RuleContext): Iterable<Candidate> {
  const p = rule.pattern;
  if (!p) return;
  const text = ctx.text;
  const { re, at } = takeRegExps(rule, p);
  try {
    yield* matches(rule, ctx, text, re, at);
  } finally {
    giveBack(rule, re, at);
  }
}

/** A rule's scanning and position regexes, made once: built per file they cost as much as a scan. */
const idle = new Map<Rule, { re: RegExp; at: RegExp }[]>();

function takeRegExps(rule: Rule, p: RegExp): { re: RegExp; at: RegExp } {
  const free = idle.get(rule)?.pop();
  if (free) return free;
  // Another scan of the same rule may be under way (a generator left open): each gets its own pair.
  const flags = p.flags.replace('d', '');
  return { re: new RegExp(p.source, flags.includes('g') ? flags : flags + 'g'), at: new RegExp(p.source, flags.replace('g', '') + 'dy') };
}

function giveBack(rule: Rule, re: RegExp, at: RegExp): void {
  re.lastIndex = 0;
  at.lastIndex = 0;
  let list = idle.get(rule);
  if (!list) idle.set(rule, (list = []));
  if (list.length < 4) list.push({ re, at });
}

function* matches(rule: Rule, ctx: RuleContext, text: string, re: RegExp, at: RegExp): Iterable<Candidate> {
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const groups = m.groups;
    if (!groups) continue;
    let name: (typeof SECRET_GROUPS)[number] | undefined;
    for (const g of SECRET_GROUPS) {
      if (groups[g] !== undefined) {
        name = g;
        break;
      }
    }
    if (!name) continue;
    const raw = groups[name];
    const value = rule.decode ? rule.decode(raw) : raw;
    if (!valueOk(rule, value)) continue;
    at.lastIndex = m.index;
    const span = at.exec(text)?.indices?.groups?.[name];
    if (!span) continue;
    const c: Candidate = { start: span[0], end: span[1], value };
    if (value !== raw) c.encoding = 'percent';
    if (rule.check && !rule.check(c, ctx)) continue;
    yield c;
  }
}

function* candidates(rule: Rule, ctx: RuleContext): Iterable<Candidate> {
  if (rule.pattern && !rule.find) {
    yield* patternCandidates(rule, ctx);
    return;
  }
  if (!rule.find) return;
  for (const c of rule.find(ctx)) {
    if (c.end <= c.start || !valueOk(rule, c.value)) continue;
    if (rule.check && !rule.check(c, ctx)) continue;
    yield c;
  }
}

// ---------------------------------------------------------------------------------------------
// Base64 blobs

export const B64_RUN = /(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])/g;
const B64_NEXT_LINE = /\r?\n[ \t]*([A-Za-z0-9+/]{4,}={0,2})(?=[ \t]*(?:\r?\n|$|["']))/y;

interface Blob {
  start: number;
  end: number;
  data: string;
}

const B64_CHARS = asciiTable('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const isB64OrPad = (c: number) => c === 61 || (c < 128 && B64_CHARS[c] === 1);

/**
 * Runs of 40+ base64 characters (then up to two `=`), not touching other base64 characters: the
 * shared run finder (which skips most of the text) and a look at what follows, which costs far
 * less than a regex with lookarounds tried at every position. Equivalent to B64_RUN.
 */
export function* base64Runs(text: string): Iterable<[start: number, end: number]> {
  for (const [start, runEnd] of runsOf(text, B64_CHARS, 40)) {
    let end = runEnd;
    while (end - runEnd < 2 && end < text.length && text.charCodeAt(end) === 61) end++;
    if (end < text.length && isB64OrPad(text.charCodeAt(end))) continue;
    yield [start, end];
  }
}

/** Base64 runs, joining a run that ends a line with following lines that are only base64. */
function* base64Blobs(text: string): Iterable<Blob> {
  let resumeAt = 0;
  for (const [start, runEnd] of base64Runs(text)) {
    if (start < resumeAt) continue;
    let end = runEnd;
    let data = text.slice(start, runEnd);
    if (data.length >= 60 && data.length % 4 === 0 && !data.endsWith('=')) {
      const next = new RegExp(B64_NEXT_LINE.source, 'y');
      next.lastIndex = end;
      for (let m = next.exec(text); m; m = next.exec(text)) {
        data += m[1];
        end = next.lastIndex;
        if (m[1].length % 4 !== 0 || m[1].endsWith('=')) break;
      }
      resumeAt = end;
    }
    if (data.length > MAX_BLOB) continue;
    if (!/[a-z]/.test(data) || !/[A-Z]/.test(data)) continue;
    yield { start, end, data };
  }
}

/** Decoded printable text of a blob, or undefined (binary, not base64). Sniffs the head first. */
function decodeTextBlob(data: string): string | undefined {
  const head = decodeBase64(data.slice(0, 64).replace(/=+$/, ''), 48);
  if (head === undefined || printableRatio(head) < 0.9) return undefined;
  const all = decodeBase64(data);
  if (all === undefined || all.length < 16 || printableRatio(all) < 0.9) return undefined;
  return all;
}

// ---------------------------------------------------------------------------------------------

/** Every rule keyword, and the keywords the engine asks about itself. */
export const KEYWORDS: ReadonlySet<string> = new Set([...RULES.flatMap((r) => r.keywords), 'private key']);
/** All keywords in one alternation, longest first: at each position the longest one matches. */
const KEYWORD_RE = new RegExp(
  [...KEYWORDS].sort((a, b) => b.length - a.length).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
  'g',
);
/** For each keyword, the keywords it contains (itself included): found with it. */
const CONTAINED: ReadonlyMap<string, readonly string[]> = new Map(
  [...KEYWORDS].map((k) => [k, [...KEYWORDS].filter((o) => k.includes(o))]),
);

/**
 * The keywords occurring in lower-cased text, in one pass (one `includes` per keyword read the
 * text some forty times). A search resumes one character after each match, so a keyword
 * starting inside another is still seen; a shorter one starting at the same place is inside
 * the longer one.
 */
export function keywordsIn(lower: string): Set<string> {
  const found = new Set<string>();
  const re = KEYWORD_RE;
  re.lastIndex = 0;
  for (let m = re.exec(lower); m; m = re.exec(lower)) {
    for (const k of CONTAINED.get(m[0])!) found.add(k);
    re.lastIndex = m.index + 1;
  }
  return found;
}

function scanLevel(raw: string, depth: number, options: ScanOptions): ScanHit[] {
  const view = buildView(raw);
  const text = view.text;
  const lower = text.toLowerCase();
  const present = keywordsIn(lower);
  const has = (k: string): boolean => (KEYWORDS.has(k) ? present.has(k) : lower.includes(k));
  const ctx = new Context(text, has);
  const out: ScanHit[] = [];
  for (const rule of RULES) {
    if (options.rules && !options.rules.includes(rule.id)) continue;
    if (!rule.keywords.some(has)) continue;
    const found = rule.id === 'aws-access-key-id' ? ctx.awsIds() : candidates(rule, ctx);
    for (const c of found) {
      const hit: ScanHit = { kind: rule.kind, start: view.toRaw(c.start), end: view.toRawEnd(c.end), value: c.value, ruleId: rule.id };
      if ('encoding' in c && c.encoding) hit.encoding = c.encoding;
      out.push(hit);
    }
  }
  if (depth < MAX_DEPTH && options.decodeBase64 !== false) {
    for (const blob of base64Blobs(text)) {
      const decoded = decodeTextBlob(blob.data);
      if (decoded === undefined) continue;
      const inner = scanLevel(decoded, depth + 1, options);
      for (const h of inner) {
        out.push({
          kind: h.kind,
          start: view.toRaw(blob.start),
          end: view.toRawEnd(blob.end),
          value: h.value,
          ruleId: h.ruleId.endsWith('+base64') ? h.ruleId : `${h.ruleId}+base64`,
          encoding: 'base64',
        });
      }
    }
  }
  return out;
}

/** Kinds that give way to a more specific finding over the same text. */
function dominates(generic: SecretKind, other: SecretKind): boolean {
  if (generic === 'generic-password') return other !== 'generic-password';
  if (generic === 'private-key') return other === 'gcp-service-account-key';
  return false;
}

function finalize(hits: ScanHit[]): ScanHit[] {
  hits.sort((a, b) => a.start - b.start || b.end - a.end || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  const lastEnd = new Map<SecretKind, number>();
  const kept: ScanHit[] = [];
  for (const h of hits) {
    const le = lastEnd.get(h.kind);
    if (le !== undefined && h.start < le) continue;
    kept.push(h);
    lastEnd.set(h.kind, h.end);
  }
  // generic kinds: drop when overlapped by a dominating kind (prefix max of ends: O(log n) each)
  const dropped = new Set<ScanHit>();
  for (const generic of ['generic-password', 'private-key'] as const) {
    const doms = kept.filter((h) => dominates(generic, h.kind));
    const prefixMaxEnd: number[] = [];
    for (const d of doms) prefixMaxEnd.push(Math.max(d.end, prefixMaxEnd[prefixMaxEnd.length - 1] ?? -1));
    for (const h of kept) {
      if (h.kind !== generic) continue;
      const lo = firstAtOrAbove(doms.length, (i) => doms[i].start, h.end);
      if (lo > 0 && prefixMaxEnd[lo - 1] > h.start) dropped.add(h);
    }
  }
  return dropped.size === 0 ? kept : kept.filter((h) => !dropped.has(h));
}

/** Scan raw text; findings with the producing rule id and encoding. */
export function scanTextDetailed(text: string, options: ScanOptions = {}): ScanHit[] {
  return finalize(scanLevel(text, 0, options));
}

/**
 * Scan the raw source text of a YAML file (or any text) for credentials. Offsets are UTF-16
 * indexes into `text`; results are sorted by start, without duplicates or same-kind overlaps.
 */
export function scanText(text: string): SecretHit[] {
  return scanTextDetailed(text);
}
