/**
 * A local evaluator for IAM identity policies (plus an optional permissions boundary), following
 * AWS's documented evaluation logic for a single account. No SCPs, RCPs, session or resource
 * policies. Pure TypeScript without dependencies: it also runs in the browser.
 *
 * It answers with three-valued logic: a statement whose Condition needs a context key that is not
 * known (neither given in `context` nor declared absent) is "undecided", and an undecided statement
 * that could change the outcome makes the decision "maybe", with reasons.
 *
 * Semantic choices (where AWS leaves room, or where this tool differs on purpose):
 *
 * - **Request resource `*`** means "every resource" (what a wildcard-only action such as
 *   ec2:DescribeInstances is authorized on). Only a pattern that matches everything (`*`, `**`)
 *   covers it: an Allow on specific ARNs does not allow `*` (IAM needs the specific resource), a
 *   Deny on specific ARNs does not deny it, and a NotResource statement naming specific ARNs
 *   applies to it. This never produces "maybe"; ask about a concrete ARN to get a precise answer.
 *   Any other request resource is matched as a literal string, also when it contains `*`
 *   (`…:instance/*` is covered by `…:instance/*` or `…:*`, not by `…:instance/i-*`).
 * - **Resource patterns** are case-sensitive globs over the whole ARN: a `*` may span `:` (AWS:
 *   "if the * is the last character of a segment, it can expand beyond the colon boundaries"),
 *   so `arn:aws:ec2:*:instance/*` covers `arn:aws:ec2:us-east-1:111122223333:instance/i-1`.
 * - **Unreadable policies** (`document: null`, or a string that does not decode). An unreadable
 *   identity policy could contain an Allow as well as a Deny, so it counts as one undecided Allow
 *   and one undecided Deny: the decision can then be "explicit-deny" (a readable Deny matched) or
 *   "maybe" (reason: `policy NAME could not be read`), never a certain "allowed" and never a
 *   certain "implicit-deny". An unreadable permissions boundary likewise turns an identity
 *   "allowed" into "maybe" (it cannot grant, so an identity implicit-deny stays implicit-deny).
 * - **Certainly refused, maybe explicitly.** When nothing can allow the request but an undecided
 *   Deny matches, the decision is "implicit-deny": the request is refused either way (the Deny is
 *   still listed in `undecided`).
 * - **Absent keys.** A condition on an absent key is false, except: `...IfExists` → true; `Null`
 *   tests presence; `ForAllValues:` → true; every negated operator (`StringNotEquals`,
 *   `StringNotEqualsIgnoreCase`, `StringNotLike`, `ArnNotEquals`, `ArnNotLike`, `NumericNotEquals`,
 *   `DateNotEquals`, `NotIpAddress`) → true, as AWS documents ("if the policy condition requires
 *   that the key is not matched … and the key is not present, the condition is true");
 *   `ForAnyValue:` → false (unless `...IfExists`). A key given with an empty list counts as absent.
 * - **Negated operators with several values** are NOR-ed: `StringNotEquals: {k: [a, b]}` is true
 *   when the value is neither a nor b. A key with several values needs `ForAnyValue:` or
 *   `ForAllValues:`; a single-valued operator over it is false, negated or not (AWS documents no
 *   meaning for it; the reference simulator says the same).
 * - **Policy variables** (`${aws:username}`, `${key, 'default'}`, `${*}`, `${?}`, `${$}`) are
 *   substituted in Resource/NotResource and in String and Arn condition values, only for policies
 *   with `"Version": "2012-10-17"` (older versions take them literally). Substituted text is
 *   literal (a `*` in a tag value is no wildcard). A variable whose key is absent (or has several
 *   values) and has no default cannot be resolved: as AWS documents, the value "has no equal or
 *   like value", so it matches nothing; and as AWS warns that such a statement may be invalid, it
 *   never satisfies a negated operator, nor a NotResource whose pattern would match the resource
 *   for some value of the variable (the statement does not apply; a pattern that cannot match
 *   whatever the value, e.g. an iam ARN against an ec2 resource, is an ordinary non-match).
 *   A variable whose key is unknown makes the statement undecided.
 * - **Invalid statements** that IAM would refuse to store (Effect other than exactly `Allow` or
 *   `Deny`, no Action/NotAction or both, no Resource/NotResource or both, a Principal in an
 *   identity policy, a non-object statement) are ignored, with a note in `reasons`. A malformed
 *   Condition block, an unsupported operator or a non-scalar condition value makes the statement
 *   undecided instead.
 * - Operator names and condition keys are matched case-insensitively; condition values with the
 *   case rules of their operator (String and Arn operators are case-sensitive, except the
 *   IgnoreCase ones). Action matching is case-insensitive. ArnEquals/ArnLike compare the six
 *   `:`-separated ARN fields one by one (a `*` stays within its field; fewer fields: no match).
 *
 * It never throws: any input, however malformed, gives one of the four decisions.
 */
import { decodePolicy } from './policy';
import type { PolicyDocument, PolicyStatement } from './types';

export type ContextValue = string | string[] | boolean | number;

export interface EvalRequest {
  /** E.g. 'ec2:RunInstances' (case-insensitive matching). */
  action: string;
  /** An ARN or '*' (matched literally, see the notes at the top of this file). */
  resource: string;
  /** Condition keys whose values are known (keys compared case-insensitively). */
  context?: Record<string, ContextValue>;
  /**
   * Keys known to be ABSENT from the request. Any condition key neither in context nor here is
   * UNKNOWN → the statement's condition is undecidable.
   */
  absentKeys?: string[];
  /** When true, every key not in context is treated as absent (what IAM does); default false (unknown → "maybe"). */
  closedWorld?: boolean;
}

export interface PolicyInput {
  name: string;
  document: PolicyDocument | null;
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny' | 'maybe';

export interface StatementRef {
  policy: string;
  /** Index of the statement in the policy's Statement list (0 when Statement is a single object). */
  index: number;
  sid?: string;
  /** The statement's Effect. */
  effect?: 'Allow' | 'Deny';
  /** True for statements of the permissions boundary. */
  boundary?: boolean;
}

export interface EvalResult {
  decision: Decision;
  /** Statements that allowed / denied / could not be decided. */
  allowedBy: StatementRef[];
  deniedBy: StatementRef[];
  undecided: StatementRef[];
  /**
   * Human reasons for a "maybe" (unknown condition keys, unreadable policies, unsupported
   * operators), plus notes about statements that were ignored. Short, deduplicated.
   */
  reasons: string[];
}

// ---------------------------------------------------------------------------------------------
// Three-valued logic

/** T: true, F: false, U: cannot be decided with what is known. */
type Tri = 'T' | 'F' | 'U';

function triOr(a: Tri, b: Tri): Tri {
  return a === 'T' || b === 'T' ? 'T' : a === 'U' || b === 'U' ? 'U' : 'F';
}
function triAnd(a: Tri, b: Tri): Tri {
  return a === 'F' || b === 'F' ? 'F' : a === 'U' || b === 'U' ? 'U' : 'T';
}
function triNot(a: Tri): Tri {
  return a === 'T' ? 'F' : a === 'F' ? 'T' : 'U';
}
function tri(b: boolean): Tri {
  return b ? 'T' : 'F';
}

// ---------------------------------------------------------------------------------------------
// Globs: `*` (any run, possibly empty) and `?` (one UTF-16 unit). No RegExp. A pattern is compiled
// (and cached) into the runs between its stars; matching anchors the first and last runs, then
// finds each middle run at its leftmost place (which is optimal for `*` globs): native indexOf for
// runs without `?`, a bit-parallel Shift-And scan (linear) for runs with `?` of up to 30 units.

const STAR = -1;
const QMARK = -2;

/** A run with `?`: its codes (QMARK for `?`), and Shift-And tables when it is short enough. */
interface QRun {
  codes: Int32Array;
  masks?: Map<number, number>;
  any?: number;
}
type Run = string | QRun;
interface Glob {
  /** The runs between stars (empty strings where stars are adjacent or at the ends). */
  runs: Run[];
  /** The pattern does not start / end with `*`: the first / last run is anchored. */
  head: boolean;
  tail: boolean;
}
/** A compiled pattern: the exact string (no wildcards) or a glob. */
type Compiled = string | Glob;

function codesOf(text: string, wild: boolean, out: number[]): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out.push(wild && c === 42 ? STAR : wild && c === 63 ? QMARK : c);
  }
}

function stringOf(codes: ArrayLike<number>, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i += 4096) {
    out += String.fromCharCode(...Array.prototype.slice.call(codes, i, Math.min(to, i + 4096)));
  }
  return out;
}

function makeRun(codes: number[], from: number, to: number): Run {
  let q = false;
  for (let i = from; i < to; i++) if (codes[i] === QMARK) q = true;
  if (!q) return stringOf(codes, from, to);
  const run: QRun = { codes: Int32Array.from(codes.slice(from, to)) };
  const len = to - from;
  if (len <= 30) {
    const masks = new Map<number, number>();
    let any = 0;
    for (let k = 0; k < len; k++) {
      const c = run.codes[k];
      if (c === QMARK) any |= 1 << k;
      else masks.set(c, (masks.get(c) ?? 0) | (1 << k));
    }
    run.masks = masks;
    run.any = any;
  }
  return run;
}

function buildGlob(codes: number[]): Compiled {
  if (!codes.some((c) => c < 0)) return stringOf(codes, 0, codes.length);
  const runs: Run[] = [];
  let from = 0;
  for (let i = 0; i <= codes.length; i++) {
    if (i === codes.length || codes[i] === STAR) {
      runs.push(makeRun(codes, from, i));
      from = i + 1;
    }
  }
  return { runs, head: codes[0] !== STAR, tail: codes[codes.length - 1] !== STAR };
}

const GLOB_CACHE_MAX = 10_000;
const globCacheCs = new Map<string, Compiled>();
const globCacheCi = new Map<string, Compiled>();

/** The compiled form of a policy pattern (cached). */
function compiled(pattern: string, ci: boolean): Compiled {
  const cache = ci ? globCacheCi : globCacheCs;
  let c = cache.get(pattern);
  if (c === undefined) {
    const p = ci ? pattern.toLowerCase() : pattern;
    if (p.indexOf('*') < 0 && p.indexOf('?') < 0) c = p;
    else {
      const codes: number[] = [];
      codesOf(p, true, codes);
      c = buildGlob(codes);
    }
    if (cache.size >= GLOB_CACHE_MAX) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

function runLength(r: Run): number {
  return typeof r === 'string' ? r.length : r.codes.length;
}

function runAt(r: Run, s: string, at: number): boolean {
  if (typeof r === 'string') return s.startsWith(r, at);
  const codes = r.codes;
  if (at + codes.length > s.length) return false;
  for (let k = 0; k < codes.length; k++) {
    const c = codes[k];
    if (c !== QMARK && c !== s.charCodeAt(at + k)) return false;
  }
  return true;
}

/** The leftmost place i ≥ from where the run matches and ends by `end`, or -1. */
function findRun(r: Run, s: string, from: number, end: number): number {
  const len = runLength(r);
  if (typeof r === 'string') {
    const i = s.indexOf(r, from);
    return i >= 0 && i + len <= end ? i : -1;
  }
  if (r.masks) {
    const masks = r.masks;
    const any = r.any ?? 0;
    const goal = 1 << (len - 1);
    let d = 0;
    for (let j = from; j < end; j++) {
      d = ((d << 1) | 1) & ((masks.get(s.charCodeAt(j)) ?? 0) | any);
      if (d & goal) return j - len + 1;
    }
    return -1;
  }
  for (let i = from; i + len <= end; i++) if (runAt(r, s, i)) return i;
  return -1;
}

function runGlob(p: Compiled, s: string): boolean {
  if (typeof p === 'string') return p === s;
  const { runs, head, tail } = p;
  if (runs.length === 1) return s.length === runLength(runs[0]) && runAt(runs[0], s, 0);
  let pos = 0;
  let end = s.length;
  let lo = 0;
  let hi = runs.length - 1;
  if (head) {
    if (!runAt(runs[0], s, 0)) return false;
    pos = runLength(runs[0]);
    lo = 1;
  }
  if (tail) {
    const len = runLength(runs[hi]);
    if (end - len < pos || !runAt(runs[hi], s, end - len)) return false;
    end -= len;
    hi--;
  }
  for (let i = lo; i <= hi; i++) {
    const len = runLength(runs[i]);
    if (len === 0) continue;
    const at = findRun(runs[i], s, pos, end);
    if (at < 0) return false;
    pos = at + len;
  }
  return true;
}

/** True when a compiled pattern matches every string (only `*`s). */
function matchesAll(p: Compiled): boolean {
  return typeof p !== 'string' && p.runs.every((r) => runLength(r) === 0);
}

/** Glob used by IAM for Action (case-insensitive) and Resource (case-sensitive): * and ? */
export function iamGlob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  if (typeof pattern !== 'string' || typeof value !== 'string') return false;
  const p = compiled(pattern, caseInsensitive);
  return runGlob(p, caseInsensitive ? value.toLowerCase() : value);
}

// ---------------------------------------------------------------------------------------------
// The request context

type Lookup = { kind: 'present'; values: string[] } | { kind: 'absent' } | { kind: 'unknown' };

interface Ctx {
  values: Map<string, string[]>;
  absent: Set<string>;
  closed: boolean;
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function buildCtx(req: EvalRequest): Ctx {
  const values = new Map<string, string[]>();
  const absent = new Set<string>();
  const context = req.context;
  if (context && typeof context === 'object' && !Array.isArray(context)) {
    for (const k of Object.keys(context)) {
      const raw: unknown = (context as Record<string, unknown>)[k];
      const list = Array.isArray(raw) ? raw : [raw];
      const out: string[] = [];
      for (const x of list) {
        const s = scalarString(x);
        if (s !== undefined) out.push(s);
      }
      values.set(k.toLowerCase(), out);
    }
  }
  if (Array.isArray(req.absentKeys)) {
    for (const k of req.absentKeys) if (typeof k === 'string') absent.add(k.toLowerCase());
  }
  return { values, absent, closed: req.closedWorld === true };
}

function lookup(ctx: Ctx, key: string): Lookup {
  const k = key.toLowerCase();
  const v = ctx.values.get(k);
  if (v !== undefined) return v.length > 0 ? { kind: 'present', values: v } : { kind: 'absent' };
  if (ctx.closed || ctx.absent.has(k)) return { kind: 'absent' };
  return { kind: 'unknown' };
}

// ---------------------------------------------------------------------------------------------
// Policy variables

/** A piece of a value after substitution: policy text (wildcards live) or substituted text (literal). */
interface Piece {
  text: string;
  literal: boolean;
}

type Resolved =
  | { kind: 'text'; pieces: Piece[]; plain: string }
  /** A variable with no value and no default: matches nothing. `wild` has `*` in its place. */
  | { kind: 'none'; wild: Piece[] }
  | { kind: 'unknown'; key: string };

function plainResolved(s: string): Resolved {
  return { kind: 'text', pieces: [{ text: s, literal: false }], plain: s };
}

/** Substitutes `${...}` variables (Version 2012-10-17 only). */
function resolveVars(value: string, ctx: Ctx, vars: boolean): Resolved {
  if (!vars || value.indexOf('${') < 0) return plainResolved(value);
  const pieces: Piece[] = [];
  let unknownKey: string | undefined;
  let none = false;
  let i = 0;
  let buf = '';
  while (i < value.length) {
    const start = value.indexOf('${', i);
    if (start < 0) break;
    const end = value.indexOf('}', start + 2);
    if (end < 0) break; // unterminated: the rest is plain text
    buf += value.slice(i, start);
    const inner = value.slice(start + 2, end).trim();
    i = end + 1;
    if (inner === '*' || inner === '?' || inner === '$') {
      if (buf) pieces.push({ text: buf, literal: false });
      buf = '';
      pieces.push({ text: inner, literal: true });
      continue;
    }
    // `${key, 'default'}`: a quote inside the default is written twice.
    let key = inner;
    let dflt: string | undefined;
    const comma = inner.indexOf(',');
    if (comma >= 0) {
      const rest = inner.slice(comma + 1).trim();
      if (rest.length >= 2 && rest[0] === "'" && rest[rest.length - 1] === "'") {
        key = inner.slice(0, comma).trim();
        dflt = rest.slice(1, -1).split("''").join("'");
      }
    }
    let sub: string | undefined;
    if (key) {
      const l = lookup(ctx, key);
      if (l.kind === 'present' && l.values.length === 1) sub = l.values[0];
      else if (l.kind === 'unknown') {
        // Kept as a `*` for `wild`, in case another variable has no value (that decides first).
        if (unknownKey === undefined) unknownKey = key;
        if (buf) pieces.push({ text: buf, literal: false });
        buf = '';
        pieces.push({ text: '*', literal: false });
        continue;
      }
    }
    if (sub === undefined) sub = dflt;
    if (sub === undefined) {
      none = true;
      if (buf) pieces.push({ text: buf, literal: false });
      buf = '';
      pieces.push({ text: '*', literal: false });
      continue;
    }
    if (buf) pieces.push({ text: buf, literal: false });
    buf = '';
    pieces.push({ text: sub, literal: true });
  }
  buf += value.slice(i);
  if (buf) pieces.push({ text: buf, literal: false });
  if (none) return { kind: 'none', wild: pieces };
  if (unknownKey !== undefined) return { kind: 'unknown', key: unknownKey };
  return { kind: 'text', pieces, plain: pieces.map((p) => p.text).join('') };
}

function piecesCodes(pieces: Piece[], ci: boolean): number[] {
  const out: number[] = [];
  for (const p of pieces) codesOf(ci ? p.text.toLowerCase() : p.text, !p.literal, out);
  return out;
}

function compilePieces(r: { pieces: Piece[]; plain: string }, ci: boolean): Compiled {
  if (r.pieces.length === 1 && !r.pieces[0].literal) return compiled(r.plain, ci);
  return buildGlob(piecesCodes(r.pieces, ci));
}

// ---------------------------------------------------------------------------------------------
// Condition operators

type Kind = 'string' | 'arn' | 'numeric' | 'date' | 'bool' | 'ip' | 'binary' | 'null';

interface OpDef {
  kind: Kind;
  /** Negated operators: true when no policy value matches (NOR); true on an absent key. */
  negated: boolean;
  /** The comparison for non-negated semantics: `ctx <cmp> policy`. */
  cmp: 'eq' | 'eqi' | 'like' | 'lt' | 'le' | 'gt' | 'ge';
}

const OPS = new Map<string, OpDef>();
const OP_NAMES: string[] = [];
function op(name: string, kind: Kind, negated: boolean, cmp: OpDef['cmp']): void {
  OPS.set(name.toLowerCase(), { kind, negated, cmp });
  OP_NAMES.push(name);
}
op('StringEquals', 'string', false, 'eq');
op('StringNotEquals', 'string', true, 'eq');
op('StringEqualsIgnoreCase', 'string', false, 'eqi');
op('StringNotEqualsIgnoreCase', 'string', true, 'eqi');
op('StringLike', 'string', false, 'like');
op('StringNotLike', 'string', true, 'like');
op('ArnEquals', 'arn', false, 'like');
op('ArnLike', 'arn', false, 'like');
op('ArnNotEquals', 'arn', true, 'like');
op('ArnNotLike', 'arn', true, 'like');
op('NumericEquals', 'numeric', false, 'eq');
op('NumericNotEquals', 'numeric', true, 'eq');
op('NumericLessThan', 'numeric', false, 'lt');
op('NumericLessThanEquals', 'numeric', false, 'le');
op('NumericGreaterThan', 'numeric', false, 'gt');
op('NumericGreaterThanEquals', 'numeric', false, 'ge');
op('DateEquals', 'date', false, 'eq');
op('DateNotEquals', 'date', true, 'eq');
op('DateLessThan', 'date', false, 'lt');
op('DateLessThanEquals', 'date', false, 'le');
op('DateGreaterThan', 'date', false, 'gt');
op('DateGreaterThanEquals', 'date', false, 'ge');
op('Bool', 'bool', false, 'eq');
op('IpAddress', 'ip', false, 'eq');
op('NotIpAddress', 'ip', true, 'eq');
op('BinaryEquals', 'binary', false, 'eq');
op('Null', 'null', false, 'eq');

/** The condition operator names this evaluator supports (without prefixes and IfExists). */
export const SUPPORTED_OPERATORS: readonly string[] = OP_NAMES;

function compareNum(a: number, b: number, cmp: OpDef['cmp']): boolean {
  switch (cmp) {
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    default:
      return a === b;
  }
}

const NUM_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (!NUM_RE.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
/** Epoch milliseconds of an ISO 8601 date (UTC unless an offset is given) or of epoch seconds. */
function parseDate(s: string): number | undefined {
  const t = s.trim();
  if (/^\d{1,15}$/.test(t)) return Number(t) * 1000;
  const m = DATE_RE.exec(t);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x ? Number(x) : 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 60) return undefined;
  const ms = m[7] ? Math.floor(Number('0.' + m[7]) * 1000) : 0;
  let offset = 0;
  const z = m[8];
  if (z && z !== 'Z' && z !== 'z') {
    const sign = z[0] === '-' ? -1 : 1;
    const digits = z.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  const v = Date.UTC(y, mo - 1, d, h, mi, se, ms) - offset;
  return Number.isFinite(v) ? v : undefined;
}

interface Ip {
  v6: boolean;
  value: bigint;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseIpv6(s: string): bigint | undefined {
  if (s.indexOf(':') < 0) return undefined;
  let tail4: bigint | undefined;
  let t = s;
  const lastColon = t.lastIndexOf(':');
  if (t.indexOf('.', lastColon) > 0) {
    tail4 = parseIpv4(t.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    t = t.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = t.indexOf('::');
  if (dbl >= 0 && t.indexOf('::', dbl + 1) >= 0) return undefined;
  const groupsOf = (x: string): string[] => (x === '' ? [] : x.split(':'));
  let groups: string[];
  if (dbl >= 0) {
    const head = groupsOf(t.slice(0, dbl));
    const tail = groupsOf(t.slice(dbl + 2));
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<string>(fill).fill('0'), ...tail];
  } else {
    groups = groupsOf(t);
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

function parseIp(s: string): Ip | undefined {
  const t = s.trim();
  const v4 = parseIpv4(t);
  if (v4 !== undefined) return { v6: false, value: v4 };
  const v6 = parseIpv6(t);
  return v6 === undefined ? undefined : { v6: true, value: v6 };
}

function ipInCidr(ip: string, cidr: string): boolean {
  const a = parseIp(ip);
  if (!a) return false;
  const slash = cidr.indexOf('/');
  const b = parseIp(slash >= 0 ? cidr.slice(0, slash) : cidr);
  if (!b || a.v6 !== b.v6) return false;
  const bits = a.v6 ? 128 : 32;
  let len = bits;
  if (slash >= 0) {
    const l = cidr.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(l)) return false;
    len = Number(l);
    if (len > bits) return false;
  }
  const shift = BigInt(bits - len);
  return a.value >> shift === b.value >> shift;
}

/** Splits an ARN into its six fields (the last keeps its colons); undefined when it has fewer. */
function arnFields(s: string): string[] | undefined {
  const out: string[] = [];
  let from = 0;
  for (let k = 0; k < 5; k++) {
    const c = s.indexOf(':', from);
    if (c < 0) return undefined;
    out.push(s.slice(from, c));
    from = c + 1;
  }
  out.push(s.slice(from));
  return out;
}

const arnCache = new Map<string, Compiled[] | null>();

/** An ArnLike pattern: its six fields compiled one by one; undefined when it has fewer. */
function arnPattern(r: Extract<Resolved, { kind: 'text' }>): Compiled[] | undefined {
  const simple = r.pieces.length === 1 && !r.pieces[0].literal;
  if (simple) {
    const hit = arnCache.get(r.plain);
    if (hit !== undefined) return hit ?? undefined;
  }
  const codes = piecesCodes(r.pieces, false);
  let fields: Compiled[] | undefined = [];
  let from = 0;
  for (let k = 0; k < 5 && fields; k++) {
    const c = codes.indexOf(58, from);
    if (c < 0) fields = undefined;
    else {
      fields.push(buildGlob(codes.slice(from, c)));
      from = c + 1;
    }
  }
  if (fields) fields.push(buildGlob(codes.slice(from)));
  if (simple) {
    if (arnCache.size >= GLOB_CACHE_MAX) arnCache.clear();
    arnCache.set(r.plain, fields ?? null);
  }
  return fields;
}

function arnMatch(pattern: Compiled[] | undefined, value: string): boolean {
  if (!pattern) return false;
  const v = arnFields(value);
  if (!v) return false;
  for (let k = 0; k < 6; k++) if (!runGlob(pattern[k], v[k])) return false;
  return true;
}

/** A policy value prepared once per condition. */
type PolicyValue =
  | { kind: 'text'; r: Extract<Resolved, { kind: 'text' }>; glob?: Compiled; arn?: Compiled[] | undefined; num?: number; lower?: string }
  | { kind: 'none'; wild: Piece[] }
  | { kind: 'unknown'; key: string };

function normalizeBase64(s: string): string {
  const t = s.replace(/\s+/g, '');
  let end = t.length;
  while (end > 0 && t.charCodeAt(end - 1) === 61) end--; // trailing '=' padding
  return t.slice(0, end);
}

/** ctx value `v` against one policy value, positive sense. */
function matchOne(def: OpDef, v: string, p: PolicyValue): Tri {
  if (p.kind === 'none') return 'F';
  if (p.kind === 'unknown') return 'U';
  const text = p.r.plain;
  switch (def.kind) {
    case 'string':
      if (def.cmp === 'eq') return tri(v === text);
      if (def.cmp === 'eqi') return tri(v.toLowerCase() === (p.lower ??= text.toLowerCase()));
      return tri(runGlob((p.glob ??= compilePieces(p.r, false)), v));
    case 'arn':
      if (!('arn' in p)) p.arn = arnPattern(p.r);
      return tri(arnMatch(p.arn, v));
    case 'numeric': {
      const a = parseNumber(v);
      const b = (p.num ??= parseNumber(text) ?? NaN);
      return tri(a !== undefined && !Number.isNaN(b) && compareNum(a, b, def.cmp));
    }
    case 'date': {
      const a = parseDate(v);
      const b = (p.num ??= parseDate(text) ?? NaN);
      return tri(a !== undefined && !Number.isNaN(b) && compareNum(a, b, def.cmp));
    }
    case 'bool':
      return tri(v.trim().toLowerCase() === text.trim().toLowerCase());
    case 'ip':
      return tri(ipInCidr(v, text));
    case 'binary':
      return tri(normalizeBase64(v) === normalizeBase64(text));
    default:
      return 'F';
  }
}

/** One context value against all policy values, with the operator's own sense (negated: NOR). */
function matchValue(def: OpDef, v: string, pvs: PolicyValue[]): Tri {
  // An unresolvable policy variable invalidates a negated test rather than satisfying it.
  if (def.negated && pvs.some((p) => p.kind === 'none')) return 'F';
  let any: Tri = 'F';
  for (const p of pvs) {
    any = triOr(any, matchOne(def, v, p));
    if (any === 'T') break;
  }
  return def.negated ? triNot(any) : any;
}

interface Sink {
  /** Reasons the statement could not be decided. */
  undecided: string[];
}

function parseOperator(name: string): { def: OpDef; set: 'any' | 'all' | null; ifExists: boolean } | undefined {
  let rest = name;
  let lower = rest.toLowerCase();
  let set: 'any' | 'all' | null = null;
  if (lower.startsWith('foranyvalue:')) set = 'any';
  else if (lower.startsWith('forallvalues:')) set = 'all';
  if (set) {
    rest = rest.slice(rest.indexOf(':') + 1);
    lower = rest.toLowerCase();
  }
  let ifExists = false;
  if (lower.length > 8 && lower.endsWith('ifexists')) {
    ifExists = true;
    lower = lower.slice(0, -8);
  }
  const def = OPS.get(lower);
  if (!def) return undefined;
  if (def.kind === 'null' && (ifExists || set)) return undefined;
  return { def, set, ifExists };
}

function evalOneCondition(opName: string, key: string, raw: unknown, ctx: Ctx, vars: boolean, sink: Sink): Tri {
  const parsed = parseOperator(opName);
  if (!parsed) {
    sink.undecided.push(`unsupported operator ${opName}`);
    return 'U';
  }
  const { def, set, ifExists } = parsed;
  const rawList = Array.isArray(raw) ? raw : [raw];
  const texts: string[] = [];
  for (const x of rawList) {
    const s = scalarString(x);
    if (s === undefined) {
      sink.undecided.push(`condition ${opName} on ${key} has a value that is not a string, number or boolean`);
      return 'U';
    }
    texts.push(s);
  }
  const found = lookup(ctx, key);
  if (found.kind === 'unknown') {
    sink.undecided.push(`condition key ${key} is not known`);
    return 'U';
  }
  if (def.kind === 'null') {
    let r: Tri = 'F';
    for (const t of texts) {
      const want = t.trim().toLowerCase();
      if (want === 'true') r = triOr(r, tri(found.kind === 'absent'));
      else if (want === 'false') r = triOr(r, tri(found.kind === 'present'));
    }
    return r;
  }
  if (found.kind === 'absent') {
    if (ifExists) return 'T';
    if (set === 'all') return 'T';
    if (set === 'any') return 'F';
    return def.negated ? 'T' : 'F';
  }
  const varsHere = vars && (def.kind === 'string' || def.kind === 'arn');
  const pvs: PolicyValue[] = texts.map((t): PolicyValue => {
    const r = resolveVars(t, ctx, varsHere);
    return r.kind === 'text' ? { kind: 'text', r } : r;
  });
  const values = found.values;
  let result: Tri;
  if (set === 'any') {
    result = 'F';
    for (const v of values) {
      result = triOr(result, matchValue(def, v, pvs));
      if (result === 'T') break;
    }
  } else if (set === 'all') {
    result = 'T';
    for (const v of values) {
      result = triAnd(result, matchValue(def, v, pvs));
      if (result === 'F') break;
    }
  } else {
    // A single-valued operator on a key with several values: false, negated or not (multivalued
    // keys need ForAnyValue/ForAllValues; this is what the reference simulator does too).
    result = values.length === 1 ? matchValue(def, values[0], pvs) : 'F';
  }
  if (result === 'U') {
    for (const p of pvs) if (p.kind === 'unknown') sink.undecided.push(`policy variable \${${p.key}} is not known`);
  }
  return result;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

function evalConditionBlock(cond: unknown, ctx: Ctx, vars: boolean, sink: Sink): Tri {
  if (cond === undefined) return 'T';
  if (!isPlainObject(cond)) {
    sink.undecided.push('a Condition block is malformed');
    return 'U';
  }
  let result: Tri = 'T';
  const reasons: string[] = [];
  for (const opName of Object.keys(cond)) {
    const block = cond[opName];
    if (!isPlainObject(block)) {
      reasons.push(`condition ${opName} is malformed`);
      result = triAnd(result, 'U');
      continue;
    }
    for (const key of Object.keys(block)) {
      const local: Sink = { undecided: [] };
      const r = evalOneCondition(opName, key, block[key], ctx, vars, local);
      if (r === 'F') return 'F';
      if (r === 'U') reasons.push(...local.undecided);
      result = triAnd(result, r);
    }
  }
  if (result === 'U') sink.undecided.push(...reasons);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Statements and policies

function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return undefined;
}

function matchesAction(patterns: string[], action: string): boolean {
  for (const p of patterns) if (runGlob(compiled(p, true), action)) return true;
  return false;
}

/**
 * Does a Resource/NotResource list cover the request's resource? A pattern holding a policy
 * variable that has no value matches nothing; `unresolved` is set when such a pattern could have
 * matched for some value of the variable (so it is the variable that decides).
 */
function matchesResource(patterns: string[], resource: string, ctx: Ctx, vars: boolean, sink: Sink): { m: Tri; unresolved: boolean } {
  let m: Tri = 'F';
  let unresolved = false;
  for (const p of patterns) {
    const res = resolveVars(p, ctx, vars);
    if (res.kind === 'none') {
      const wild = compilePieces({ pieces: res.wild, plain: res.wild.map((w) => w.text).join('') }, false);
      if (resource === '*' ? matchesAll(wild) : runGlob(wild, resource)) unresolved = true;
      continue;
    }
    if (res.kind === 'unknown') {
      sink.undecided.push(`policy variable \${${res.key}} in a Resource is not known`);
      m = triOr(m, 'U');
      continue;
    }
    const c = compilePieces(res, false);
    // The request resource `*` ("every resource") is covered only by patterns that match everything.
    if (resource === '*' ? matchesAll(c) : runGlob(c, resource)) return { m: 'T', unresolved };
  }
  return { m, unresolved };
}

type StatementOutcome = { kind: 'ignored'; note: string } | { kind: 'no' } | { kind: 'applies'; effect: 'Allow' | 'Deny' } | { kind: 'undecided'; effect: 'Allow' | 'Deny'; reasons: string[] };

function evalStatement(st: PolicyStatement, action: string, resource: string, ctx: Ctx, vars: boolean): StatementOutcome {
  const effect = st.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') return { kind: 'ignored', note: `its Effect is not "Allow" or "Deny"` };
  if (st.Principal !== undefined || st.NotPrincipal !== undefined) return { kind: 'ignored', note: 'it names a Principal, which an identity policy may not' };
  const hasA = st.Action !== undefined;
  const hasNA = st.NotAction !== undefined;
  if (hasA === hasNA) return { kind: 'ignored', note: hasA ? 'it has both Action and NotAction' : 'it has no Action or NotAction' };
  const actions = stringList(hasA ? st.Action : st.NotAction);
  if (!actions) return { kind: 'ignored', note: hasA ? 'its Action is malformed' : 'its NotAction is malformed' };
  const hasR = st.Resource !== undefined;
  const hasNR = st.NotResource !== undefined;
  if (hasR === hasNR) return { kind: 'ignored', note: hasR ? 'it has both Resource and NotResource' : 'it has no Resource or NotResource' };
  const resources = stringList(hasR ? st.Resource : st.NotResource);
  if (!resources) return { kind: 'ignored', note: hasR ? 'its Resource is malformed' : 'its NotResource is malformed' };

  if (matchesAction(actions, action) !== hasA) return { kind: 'no' };
  const sink: Sink = { undecided: [] };
  const rm = matchesResource(resources, resource, ctx, vars, sink);
  // NotResource with an unresolvable variable: the statement is invalid for this request.
  const resOk: Tri = hasR ? rm.m : rm.unresolved ? 'F' : triNot(rm.m);
  if (resOk === 'F') return { kind: 'no' };
  const resReasons = resOk === 'U' ? sink.undecided.splice(0) : [];
  const cond = evalConditionBlock(st.Condition, ctx, vars, sink);
  const all = triAnd(resOk, cond);
  if (all === 'F') return { kind: 'no' };
  if (all === 'T') return { kind: 'applies', effect };
  return { kind: 'undecided', effect, reasons: [...resReasons, ...sink.undecided] };
}

interface SetOutcome {
  decision: Decision;
  allowedBy: StatementRef[];
  deniedBy: StatementRef[];
  undecided: StatementRef[];
  /** Reasons that explain undecided statements (shown when the decision is "maybe"). */
  maybeReasons: string[];
  /** Notes shown whatever the decision (unreadable policies, ignored statements). */
  notes: string[];
}

function documentOf(doc: unknown): PolicyDocument | null {
  if (typeof doc === 'string') return decodePolicy(doc);
  if (isPlainObject(doc)) return doc as PolicyDocument;
  return null;
}

function refOf(st: Record<string, unknown>, policy: string, index: number, effect: 'Allow' | 'Deny', boundary: boolean): StatementRef {
  const r: StatementRef = { policy, index };
  if (typeof st.Sid === 'string') r.sid = st.Sid;
  r.effect = effect;
  if (boundary) r.boundary = true;
  return r;
}

/** "statement 2 (Sid) of policy NAME", for reasons. */
function where(st: unknown, index: number, label: string): string {
  const sid = isPlainObject(st) && typeof st.Sid === 'string' && st.Sid ? ` (${st.Sid})` : '';
  return `statement ${index}${sid} of ${label}`;
}

function evalSet(policies: PolicyInput[], boundary: boolean, action: string, resource: string, ctx: Ctx): SetOutcome {
  const out: SetOutcome = { decision: 'implicit-deny', allowedBy: [], deniedBy: [], undecided: [], maybeReasons: [], notes: [] };
  let allowU = false;
  let denyU = false;
  for (let pi = 0; pi < policies.length; pi++) {
    const input: unknown = policies[pi];
    const pol = isPlainObject(input) ? input : {};
    const name = typeof pol.name === 'string' ? pol.name : `#${pi + 1}`;
    const label = boundary ? `permissions boundary ${name}` : `policy ${name}`;
    const doc = documentOf(pol.document);
    if (!doc) {
      const why = `${label} could not be read`;
      out.notes.push(why);
      out.maybeReasons.push(why);
      allowU = true;
      denyU = true;
      continue;
    }
    const vars = doc.Version === '2012-10-17';
    const raw: unknown = doc.Statement;
    if (raw === undefined || raw === null) continue;
    const list: unknown[] = Array.isArray(raw) ? raw : [raw];
    for (let i = 0; i < list.length; i++) {
      const st = list[i];
      if (!isPlainObject(st)) {
        out.notes.push(`${where(st, i, label)} was ignored: it is not an object`);
        continue;
      }
      const o = evalStatement(st as PolicyStatement, action, resource, ctx, vars);
      switch (o.kind) {
        case 'ignored':
          out.notes.push(`${where(st, i, label)} was ignored: ${o.note}`);
          break;
        case 'applies':
          (o.effect === 'Allow' ? out.allowedBy : out.deniedBy).push(refOf(st, name, i, o.effect, boundary));
          break;
        case 'undecided':
          out.undecided.push(refOf(st, name, i, o.effect, boundary));
          if (o.effect === 'Allow') allowU = true;
          else denyU = true;
          for (const r of o.reasons) out.maybeReasons.push(`${r} (${where(st, i, label)})`);
          break;
        default:
          break;
      }
    }
  }
  if (out.deniedBy.length > 0) out.decision = 'explicit-deny';
  else if (out.allowedBy.length === 0 && !allowU) out.decision = 'implicit-deny';
  else if (denyU || out.allowedBy.length === 0) out.decision = 'maybe';
  else out.decision = 'allowed';
  return out;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * Evaluates one request against the identity policies and an optional permissions boundary.
 * Never throws.
 */
export function evaluate(req: EvalRequest, identity: PolicyInput[], boundary?: PolicyInput | null): EvalResult {
  try {
    const r: Partial<EvalRequest> = isPlainObject(req) ? req : {};
    const action = typeof r.action === 'string' ? r.action.toLowerCase() : '';
    const resource = typeof r.resource === 'string' ? r.resource : '';
    const ctx = buildCtx(r as EvalRequest);
    const ids = Array.isArray(identity) ? identity : [];
    const id = evalSet(ids, false, action, resource, ctx);
    const bd = boundary != null ? evalSet([boundary], true, action, resource, ctx) : null;

    let decision: Decision;
    if (!bd) decision = id.decision;
    else if (id.decision === 'explicit-deny' || bd.decision === 'explicit-deny') decision = 'explicit-deny';
    else if (id.decision === 'implicit-deny' || bd.decision === 'implicit-deny') decision = 'implicit-deny';
    else if (id.decision === 'maybe' || bd.decision === 'maybe') decision = 'maybe';
    else decision = 'allowed';

    const notes = [...id.notes, ...(bd?.notes ?? [])];
    const maybe = decision === 'maybe' ? [...id.maybeReasons, ...(bd?.maybeReasons ?? [])] : [];
    return {
      decision,
      allowedBy: [...id.allowedBy, ...(bd?.allowedBy ?? [])],
      deniedBy: [...id.deniedBy, ...(bd?.deniedBy ?? [])],
      undecided: [...id.undecided, ...(bd?.undecided ?? [])],
      reasons: dedupe([...maybe, ...notes]),
    };
  } catch {
    return { decision: 'maybe', allowedBy: [], deniedBy: [], undecided: [], reasons: ['the policies could not be evaluated'] };
  }
}
