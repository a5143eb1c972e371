/**
 * Property tests for the corrected config ("Corrected config you can trust").
 *
 * Inputs: every Ray AWS example (shared/ray-examples/aws_*.yaml), every file of the secrets corpus
 * (shared/corpus/secrets/**\/*.yaml), both as written (LF) and with CRLF line endings, and configs
 * generated as text (tests/helpers/config-gen.ts). Each input is fixed twice: without any IAM
 * source or choice, and with the user's choice of a head profile
 * (`profiles: {<head type>: arn:aws:iam::123456789012:instance-profile/ray-head}`).
 *
 * Invariants (each assertion is labelled with its number):
 *  1. Idempotent: fix(fix(x)).text === fix(x).text.
 *  2. Untouched lines stay byte-for-byte, in order; line endings keep their style.
 *  3. No credential finding (RG401–RG406) is left in the output unless `skipped` names it.
 *  4. The output parses (no RG101) whenever the input did.
 *  5. Ray's own JSON schema accepts the output wherever it accepted the input.
 *  6. No finding's message, preview or YAML path holds a whole secret.
 *  7. Every `applied` entry names a described fix id, a line of the original, and a finding there.
 *
 * Runs: FIX_PROPERTY_RUNS generated configs per property (default 200), FIX_PROPERTY_SEED to replay.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument, type Node } from 'yaml';
import { fixConfig, type FixOptions, type FixResult } from '@/lib/fix/plan';
import { FIX_DESCRIPTIONS } from '@/lib/fix/descriptions';
import type { Finding } from '@/lib/findings/types';
import { scanText } from '@/lib/secrets';
import { awsKeyId, awsSecret, makeRng } from '@/lib/secrets/synthetic';
import { analyze, type Analysis } from '@/lib/validate';
import { configArb, renderConfig, configSpecArb, type GeneratedConfig } from '../helpers/config-gen';
import { rayAccepts } from '../helpers/ray-schema';
import { CORPUS, EXAMPLES } from '../helpers/shared';

const RUNS = Number(process.env.FIX_PROPERTY_RUNS ?? 200);
/** fast-check seed shared by the per-invariant properties (random unless FIX_PROPERTY_SEED is set). */
const SEED = Number(process.env.FIX_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const HEAD_PROFILE = 'arn:aws:iam::123456789012:instance-profile/ray-head';
const CREDENTIAL_RULE = /^RG40[1-6]$/;

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFilesUnder(p));
    else if (name.endsWith('.yaml')) out.push(p);
  }
  return out;
}

const exampleFiles = readdirSync(EXAMPLES).filter((f) => /^aws_.*\.yaml$/.test(f)).sort().map((f) => path.join(EXAMPLES, f));
const corpusFiles = yamlFilesUnder(CORPUS);
const toCrlf = (t: string) => t.replace(/\r?\n/g, '\r\n');

// ---------------------------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------------------------

/** Offsets of the first character of every line (lines split on "\n"). */
function lineStarts(text: string): number[] {
  const s = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) s.push(i + 1);
  return s;
}

/** 1-based line of an offset. */
function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Offset of a 1-based line / 1-based column counted in code points (the public position model). */
function offsetOf(text: string, starts: number[], line: number, column: number): number {
  const s = starts[line - 1];
  let o = s;
  for (let c = 1; c < column && o < text.length; c++) o += text.codePointAt(o)! > 0xffff ? 2 : 1;
  return o;
}

const stripCr = (l: string) => (l.endsWith('\r') ? l.slice(0, -1) : l);

// ---------------------------------------------------------------------------------------------
// Invariant 2: which original lines a fix may touch
// ---------------------------------------------------------------------------------------------

/** A mapping entry or a sequence item of the original, with its lines. */
interface Item {
  first: number;
  last: number;
  /** The key's line for a mapping entry; the dash line for a sequence item. */
  keyLine: number;
  depth: number;
  keys: string[];
  parent: Coll;
  index: number;
  /** The value, when it is a string scalar. */
  text?: string;
}

interface Coll {
  first: number;
  last: number;
  flow: boolean;
  /** The entry or item holding this collection (null for the root). */
  owner: Item | null;
  items: Item[];
}

function nodeSpan(n: unknown): [number, number] | null {
  const r = (n as { range?: [number, number, number] } | null)?.range;
  return r ? [r[0], r[1]] : null;
}

/** Every mapping entry and sequence item of the original with their line spans. */
function outline(text: string): Item[] {
  const doc = parseDocument(text, { version: '1.1', merge: true, uniqueKeys: false });
  const starts = lineStarts(text);
  const line = (o: number) => lineAt(starts, Math.max(0, o));
  const all: Item[] = [];
  const visitNode = (node: unknown, owner: Item | null, depth: number, keys: string[]) => {
    if (!isMap(node) && !isSeq(node)) return;
    const r = nodeSpan(node);
    const coll: Coll = { first: r ? line(r[0]) : owner?.first ?? 1, last: r ? line(r[1] - 1) : owner?.last ?? 1, flow: !!node.flow, owner, items: [] };
    node.items.forEach((it: unknown, index: number) => {
      let first: number;
      let lastOff: number;
      let keyText = String(index);
      let value: unknown;
      if (isMap(node)) {
        const pair = it as { key: unknown; value: unknown };
        const kr = nodeSpan(pair.key);
        const vr = nodeSpan(pair.value);
        if (!kr && !vr) return;
        first = line((kr ?? vr)![0]);
        lastOff = Math.max(kr ? kr[1] : 0, vr ? vr[1] : 0);
        keyText = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
        value = pair.value;
      } else {
        const nr = nodeSpan(it);
        if (!nr) return;
        first = line(nr[0]);
        lastOff = nr[1];
        value = it;
      }
      const v = (value as { value?: unknown } | null)?.value;
      const item: Item = { first, last: Math.max(first, line(lastOff - 1)), keyLine: first, depth, keys: [...keys, keyText], parent: coll, index, ...(typeof v === 'string' ? { text: v } : {}) };
      coll.items.push(item);
      all.push(item);
      visitNode(value, item, depth + 1, item.keys);
    });
  };
  visitNode(doc.contents as Node, null, 0, []);
  return all;
}

type Span = [number, number];

const PROFILE_FIXES = new Set(['add-instance-profile', 'add-worker-instance-profile', 'move-instance-profile', 'fix-profile-key-casing', 'use-profile-arn-for-name', 'replace-default-profile', 'use-instance-profile-arn']);
const ITEM_FIXES = new Set(['remove-credential', 'remove-credentials-mount', 'use-env-reference']);
/** A command-line flag alone in a list item (`-e`, `--env`, `-v`, `--volume`, `--mount`). */
const LONE_FLAG = /^\s*--?[A-Za-z][\w-]*\s*$/;
const MOVING_FIXES = new Set(['migrate-legacy-format', 'move-instance-profile']);
const LEGACY_SECTIONS = ['head_node', 'worker_nodes', 'available_node_types', 'head_node_type', 'min_workers', 'max_workers', 'initial_workers'];

/**
 * The lines of the original that a correction applied at `line` may change or remove, chosen
 * conservatively per kind of correction (so the check stays sound as fixes are added):
 *  - item corrections (remove-credential, remove-credentials-mount, use-env-reference): the
 *    innermost entry/item holding the line, a neighbour when one of the two is a lone flag item
 *    (`- -e` then `- NAME=VALUE`, `- -v` then `- PATH`), the key line of the list or mapping
 *    holding it (an emptied list becomes `key: []`);
 *  - remove-aws-credentials: the `provider.aws_credentials` entry and the `provider` key line;
 *  - profile corrections: the node type holding the line; outside a node type, the top-level
 *    section plus available_node_types, head_node_type and the legacy sections (a move target);
 *  - migrate-legacy-format: the legacy sections, available_node_types, head_node_type and the
 *    top-level worker counts;
 *  - anything else (remove-legacy-key, fixes added later): the top-level section holding the line.
 * Always: the line itself, and the whole of any flow collection holding it.
 * Own-line comments after an entry's last value line are NOT in its span: they must survive
 * byte-for-byte (moving corrections may re-indent them, see missingUntouchedLine).
 */
function editableLines(items: Item[], fix: string, line: number): Span[] {
  const spans: Span[] = [[line, line]];
  const holding = items.filter((i) => i.first <= line && line <= i.last);
  const top = (k: string) => items.filter((i) => i.depth === 0 && i.keys[0] === k).map((i): Span => [i.first, i.last]);
  const topOfLine = holding.filter((i) => i.depth === 0).map((i): Span => [i.first, i.last]);
  for (const i of holding) {
    if (i.parent.flow) {
      // the outermost flow collection holding the line
      let c = i.parent;
      while (c.owner?.parent.flow) c = c.owner.parent;
      spans.push([c.first, c.last]);
    }
  }
  if (ITEM_FIXES.has(fix)) {
    const inner = holding.reduce<Item | null>((a, b) => (!a || b.depth > a.depth ? b : a), null);
    if (inner) {
      // A flag written as its own item (`- -e` / `- -v` then the value) goes with its value.
      const sibs = inner.parent.items;
      const prev = sibs.find((x) => x.index === inner.index - 1);
      const next = sibs.find((x) => x.index === inner.index + 1);
      spans.push([inner.first, inner.last]);
      if (prev && LONE_FLAG.test(prev.text ?? '')) spans.push([prev.first, prev.last]);
      if (next && LONE_FLAG.test(inner.text ?? '')) spans.push([next.first, next.last]);
      const owner = inner.parent.owner;
      if (owner) spans.push([owner.keyLine, owner.keyLine]);
    } else spans.push(...topOfLine);
  } else if (fix === 'remove-aws-credentials') {
    const creds = items.filter((i) => i.depth === 1 && i.keys[0] === 'provider' && i.keys[1] === 'aws_credentials');
    for (const c of creds) spans.push([c.first, c.last]);
    spans.push(...items.filter((i) => i.depth === 0 && i.keys[0] === 'provider').map((i): Span => [i.keyLine, i.keyLine]));
    if (creds.length === 0) spans.push(...topOfLine);
  } else if (PROFILE_FIXES.has(fix)) {
    const nt = holding.filter((i) => i.depth === 1 && i.keys[0] === 'available_node_types');
    if (nt.length) spans.push(...nt.map((i): Span => [i.first, i.last]));
    else spans.push(...topOfLine, ...top('available_node_types'), ...top('head_node_type'), ...top('head_node'), ...top('worker_nodes'));
  } else if (fix === 'migrate-legacy-format') {
    spans.push(...topOfLine, ...LEGACY_SECTIONS.flatMap(top));
  } else {
    spans.push(...topOfLine);
  }
  return spans;
}

/**
 * Invariant 2. The original's lines outside every applied correction's editable lines must be
 * a subsequence of the output's lines (compared without "\r"): they are all there, unchanged,
 * in order. A greedy scan decides "is a subsequence" exactly, so duplicate lines (two identical
 * comments) cannot make the check pass or fail by accident of alignment. Returns a description
 * of the first line that went missing, or null.
 */
function missingUntouchedLine(original: string, output: string, applied: FixResult['applied']): string | null {
  const orig = original.split('\n').map(stripCr);
  const out = output.split('\n').map(stripCr);
  const items = applied.length ? outline(original) : [];
  const editable = new Set<number>();
  for (const a of applied) {
    for (const [s, e] of editableLines(items, a.fix, a.line)) for (let l = s; l <= e; l++) editable.add(l);
  }
  // Corrections that move a section (legacy migration, moving a profile) may carry the own-line
  // comments just after a moved section along, re-indented: those lines are editable, but each
  // comment's text must still be somewhere in the output.
  const moved = new Set<number>();
  for (const a of applied) {
    if (!MOVING_FIXES.has(a.fix)) continue;
    for (const [, e] of editableLines(items, a.fix, a.line)) {
      for (let l = e + 1; l <= orig.length && /^\s*(?:#.*)?$/.test(orig[l - 1]) && !editable.has(l); l++) moved.add(l);
    }
  }
  const outTrimmed = new Set(out.map((l) => l.trim()));
  for (const l of moved) {
    if (orig[l - 1].includes('#') && !outTrimmed.has(orig[l - 1].trim())) return `comment line ${l} ${JSON.stringify(orig[l - 1])} next to a moved section is gone (applied: ${applied.map((a) => `${a.fix}@${a.line}`).join(', ')})`;
    editable.add(l);
  }
  let j = 0;
  for (let i = 0; i < orig.length; i++) {
    if (editable.has(i + 1)) continue;
    while (j < out.length && out[j] !== orig[i]) j++;
    if (j === out.length) return `original line ${i + 1} ${JSON.stringify(orig[i])} is missing or out of order (applied: ${applied.map((a) => `${a.fix}@${a.line}`).join(', ') || 'none'})`;
    j++;
  }
  return null;
}

function eolStyle(text: string): { crlf: boolean; lf: boolean } {
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const nl = (text.match(/\n/g) ?? []).length;
  return { crlf: crlf > 0, lf: nl > crlf };
}

// ---------------------------------------------------------------------------------------------
// One input, fixed with each option set (computed once, shared by every invariant)
// ---------------------------------------------------------------------------------------------

interface Run {
  label: string;
  opts: FixOptions;
  /** fix(x) */
  result: FixResult;
  /** fix(fix(x)) */
  again: FixResult;
  /** The analysis of fix(x). */
  after: Analysis;
}

interface Case {
  text: string;
  planted: readonly string[];
  before: Analysis;
  /** Ray's schema accepts the input. */
  rayBefore: boolean;
  runs: Run[];
}

/**
 * Bounded memo (least recently used goes first): the per-invariant properties see the same inputs
 * (same seed) and share the work; shrinking candidates, used once, are the first to go.
 */
function memo<T>(limit: number, make: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const m = new Map<string, Promise<T>>();
  return (key) => {
    let v = m.get(key);
    if (v) m.delete(key);
    else {
      if (m.size >= limit) m.delete(m.keys().next().value!);
      v = make(key);
    }
    m.set(key, v);
    return v;
  };
}

const analysisOf = memo(4 * RUNS + 400, (text) => analyze(text));
const hasRG101 = (a: Analysis) => a.findings.some((f) => f.ruleId === 'RG101');

/** The options each input is fixed with: no IAM, and the user's choice for the head. */
function optionSets(a: Analysis): Array<[string, FixOptions]> {
  const head = a.ctx.model?.headNodeType ?? 'ray.head.default';
  return [['no IAM', {}], [`profiles {${head}}`, { profiles: { [head]: HEAD_PROFILE } }]];
}

const caseOf = memo(2 * RUNS + 200, async (text): Promise<Case> => {
  const before = await analysisOf(text);
  const runs: Run[] = [];
  for (const [label, opts] of optionSets(before)) {
    const result = await fixConfig(text, opts);
    const again = await fixConfig(result.text, opts);
    runs.push({ label, opts, result, again, after: await analysisOf(result.text) });
  }
  return { text, planted: [], before, rayBefore: rayAccepts(text).ok, runs };
});

async function prepare(text: string, planted: readonly string[] = []): Promise<Case> {
  return { ...(await caseOf(text)), planted };
}

const tag = (n: number, run: Run | null, what: string) => `[${n}]${run ? ` (${run.label})` : ''} ${what}`;

// ---------------------------------------------------------------------------------------------
// The invariants
// ---------------------------------------------------------------------------------------------

/** 1. Fixing the corrected config changes nothing. */
function idempotent(c: Case) {
  for (const run of c.runs) {
    const second = run.again.applied.map((a) => `${a.fix}@${a.line}`).join(', ');
    expect(run.again.text, tag(1, run, `fixing the corrected config changes it again (second pass applied: ${second})`)).toBe(run.result.text);
  }
}

/** 2. Untouched lines stay byte-for-byte and in order; line endings keep their style. */
function untouchedLinesStay(c: Case) {
  const eolIn = eolStyle(c.text);
  for (const run of c.runs) {
    const r = run.result;
    expect(missingUntouchedLine(c.text, r.text, r.applied), tag(2, run, 'an untouched line went missing')).toBeNull();
    const eolOut = eolStyle(r.text);
    if (!eolIn.crlf) expect(eolOut.crlf, tag(2, run, 'CRLF appeared in an LF file')).toBe(false);
    if (!eolIn.lf) expect(eolOut.lf, tag(2, run, 'a bare LF appeared in a CRLF file')).toBe(false);
    if (hasRG101(c.before)) {
      // Nothing can be corrected in text that is not YAML: it comes back as it was.
      expect(r.applied, tag(2, run, 'corrections applied to unreadable YAML')).toEqual([]);
      expect(r.text, tag(2, run, 'unreadable YAML was changed')).toBe(c.text);
    }
  }
}

/**
 * 3. Every credential finding (RG401–RG406) of the output is one the input had (same rule, same
 * source text) and that `skipped` lists at its original line.
 */
function noCredentialLeftUnreported(c: Case) {
  const starts = lineStarts(c.text);
  for (const run of c.runs) {
    const r = run.result;
    const skippedAt = new Set(r.skipped.map((s) => `${s.ruleId}:${s.line}`));
    for (const f of run.after.raw) {
      if (!CREDENTIAL_RULE.test(f.ruleId)) continue;
      const s = r.text.slice(f.start, f.end);
      const origins = c.before.raw.filter((g) => g.ruleId === f.ruleId && c.text.slice(g.start, g.end) === s);
      const lines = origins.map((g) => lineAt(starts, g.start));
      const where = `${f.ruleId} (${f.kind ?? 'provider.aws_credentials'}) at output line ${lineAt(lineStarts(r.text), f.start)}`;
      expect(origins.length, tag(3, run, `${where}: a credential finding the input did not have`)).toBeGreaterThan(0);
      expect(lines.some((l) => skippedAt.has(`${f.ruleId}:${l}`)), tag(3, run, `${where}: left in the output but not listed in skipped (input lines ${lines.join(',')})`)).toBe(true);
    }
  }
}

/** 4. The output parses whenever the input did. */
function stillParses(c: Case) {
  if (hasRG101(c.before)) return;
  for (const run of c.runs) {
    const broken = run.after.findings.filter((f) => f.ruleId === 'RG101').map((f) => `${f.line}:${f.column} ${f.message}`);
    expect(broken, tag(4, run, 'the corrected config does not parse')).toEqual([]);
  }
}

/** 5. Ray's schema accepts the output wherever it accepted the input. */
function rayStillAccepts(c: Case) {
  if (!c.rayBefore) return;
  for (const run of c.runs) {
    expect(rayAccepts(run.result.text).errors, tag(5, run, 'Ray\'s schema rejects the corrected config')).toEqual([]);
  }
}

/**
 * 6. No finding's message, preview or YAML path holds a whole secret: the source text of any
 * credential finding's range, any value the scanner decodes, any value the generator planted.
 * Previews must not hold their own secret whatever its length; other texts are checked for
 * secrets of 8+ characters (shorter ones match ordinary words by chance).
 */
function checkRedaction(text: string, a: Analysis, planted: readonly string[], extra: string[], run: Run | null) {
  const starts = lineStarts(text);
  const secrets = new Set<string>(planted);
  for (const h of scanText(text)) {
    secrets.add(h.value);
    secrets.add(text.slice(h.start, h.end));
  }
  const own = new Map<Finding, string>();
  for (const f of a.findings) {
    if (!f.kind) continue;
    const s = offsetOf(text, starts, f.line, f.column);
    const e = offsetOf(text, starts, f.endLine, f.endColumn);
    const secret = text.slice(s, e);
    const raw = a.raw.find((r) => r.ruleId === f.ruleId && r.kind === f.kind && r.start === s);
    expect(raw, tag(6, run, `${f.ruleId} at ${f.line}:${f.column}: no credential starts where the public range does`)).toBeDefined();
    expect(text.slice(raw!.start, raw!.end) === secret, tag(6, run, `${f.ruleId} at ${f.line}:${f.column}: the public range ends elsewhere than the secret`)).toBe(true);
    own.set(f, secret);
    secrets.add(secret);
  }
  const long = [...secrets].filter((s) => s.length >= 8);
  for (const f of a.findings) {
    const where = `${f.ruleId} at ${f.line}:${f.column}`;
    const mine = own.get(f);
    if (mine !== undefined && f.preview !== undefined) expect(f.preview.includes(mine), tag(6, run, `${where}: the preview holds its own secret`)).toBe(false);
    for (const s of long) {
      expect(f.message.includes(s), tag(6, run, `${where}: the message holds a secret (${s.length} chars)`)).toBe(false);
      expect((f.preview ?? '').includes(s), tag(6, run, `${where}: the preview holds a secret`)).toBe(false);
      expect(f.yamlPath.includes(s), tag(6, run, `${where}: the YAML path holds a secret`)).toBe(false);
    }
  }
  for (const x of extra) for (const s of long) expect(x.includes(s), tag(6, run, 'a fix description or skip reason holds a secret')).toBe(false);
}

function neverLeaks(c: Case) {
  checkRedaction(c.text, c.before, c.planted, [], null);
  for (const run of c.runs) {
    const r = run.result;
    checkRedaction(r.text, run.after, c.planted, [...r.applied.map((a) => a.description), ...r.skipped.map((s) => s.reason)], run);
  }
}

/** 7. Applied entries name a described fix id, a line of the original, and a finding of the input there. */
function appliedEntriesHold(c: Case) {
  const origLines = c.text.split('\n').length;
  for (const run of c.runs) {
    for (const a of run.result.applied) {
      const where = `${a.fix} (${a.ruleId}) at line ${a.line}`;
      expect(Object.prototype.hasOwnProperty.call(FIX_DESCRIPTIONS, a.fix), tag(7, run, `${where}: unknown fix id`)).toBe(true);
      const d = (FIX_DESCRIPTIONS as Record<string, string>)[a.fix];
      expect(typeof d === 'string' && d.length > 0, tag(7, run, `${where}: no description`)).toBe(true);
      expect(a.description, tag(7, run, `${where}: description differs from FIX_DESCRIPTIONS`)).toBe(d);
      // A follow-up (made possible by another correction, in a later pass) has the line of the text
      // that pass corrected: only the first pass's entries point into the original.
      if (a.followUp) {
        expect(c.runs.length > 0 && run.result.applied.some((x) => !x.followUp), tag(7, run, `${where}: a follow-up without a first correction`)).toBe(true);
        continue;
      }
      expect(Number.isInteger(a.line) && a.line >= 1 && a.line <= origLines, tag(7, run, `${where}: line outside the original (${origLines} lines)`)).toBe(true);
      const source = c.before.findings.some((f) => f.ruleId === a.ruleId && f.line === a.line && f.fix === a.fix);
      expect(source, tag(7, run, `${where}: no finding of the input has this rule, line and fix`)).toBe(true);
    }
    for (const s of run.result.skipped) {
      // A follow-up was found in the corrected text: its line is a line of that text.
      const limit = s.followUp ? run.result.text.split('\n').length : origLines;
      expect(Number.isInteger(s.line) && s.line >= 1 && s.line <= limit, tag(7, run, `skipped ${s.ruleId} at line ${s.line}: outside the text it refers to`)).toBe(true);
      if (s.fix) expect(Object.prototype.hasOwnProperty.call(FIX_DESCRIPTIONS, s.fix), tag(7, run, `skipped ${s.fix}: unknown fix id`)).toBe(true);
    }
  }
}

const INVARIANTS: Array<[string, (c: Case) => void]> = [
  ['1 idempotent', idempotent],
  ['2 untouched lines stay byte-for-byte, in order', untouchedLinesStay],
  ['3 no credential left unless skipped lists it', noCredentialLeftUnreported],
  ['4 the output parses when the input did', stillParses],
  ['5 Ray\'s schema accepts the output when it accepted the input', rayStillAccepts],
  ['6 no finding leaks a secret', neverLeaks],
  ['7 applied entries are described, in range and backed by a finding', appliedEntriesHold],
];

/** Every invariant on one case; all failures at once (one line each). */
function allFailures(c: Case): string[] {
  const out: string[] = [];
  for (const [, check] of INVARIANTS) {
    try {
      check(c);
    } catch (e) {
      out.push(String((e as Error).message).split('\n')[0]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('the oracle of invariant 2 itself', () => {
  const text = 'a: 1\n# keep\nsetup_commands:\n  - x\n  - y  # t\n  # own line\n  - z\nb: 2\n';
  it('accepts an output that drops only the applied item', () => {
    const out = 'a: 1\n# keep\nsetup_commands:\n  - x\n  # own line\n  - z\nb: 2\n';
    expect(missingUntouchedLine(text, out, [{ fix: 'remove-credential', ruleId: 'RG401', line: 5, column: 5, description: '' }])).toBeNull();
  });
  it('rejects an output that also drops a comment outside the edited span', () => {
    const out = 'a: 1\nsetup_commands:\n  - x\n  # own line\n  - z\nb: 2\n';
    expect(missingUntouchedLine(text, out, [{ fix: 'remove-credential', ruleId: 'RG401', line: 5, column: 5, description: '' }])).toMatch(/line 2 "# keep"/);
  });
  it('rejects an output that drops an own-line comment after the removed item', () => {
    const out = 'a: 1\n# keep\nsetup_commands:\n  - x\n  - z\nb: 2\n';
    expect(missingUntouchedLine(text, out, [{ fix: 'remove-credential', ruleId: 'RG401', line: 5, column: 5, description: '' }])).toMatch(/own line/);
  });
  it('rejects reordered lines', () => {
    const out = 'b: 2\na: 1\n# keep\nsetup_commands:\n  - x\n  - y  # t\n  # own line\n  - z\n';
    expect(missingUntouchedLine(text, out, [])).not.toBeNull();
  });
});

describe('each invariant can fail (checked on deliberately broken results)', () => {
  const rng = makeRng(20240607);
  const id = awsKeyId(rng);
  const secret = awsSecret(rng);
  // A credential the engine cannot remove (inside a heredoc-like block scalar) and one it can.
  const text = `cluster_name: t\nprovider:\n  type: aws\nsetup_commands:\n  - export AWS_SECRET_ACCESS_KEY=${secret}\n  - pip install boto3\n`;
  const withRun = (c: Case, change: (r: Run) => Partial<Run>): Case => ({ ...c, runs: c.runs.map((r) => ({ ...r, ...change(r) })) });
  const throws = (check: (c: Case) => void, c: Case) => expect(() => check(c)).toThrow();

  it('holds on the unbroken case', async () => {
    const c = await prepare(text, [id, secret]);
    expect(c.runs[0].result.applied.map((a) => a.fix)).toContain('remove-credential');
    expect(allFailures(c)).toEqual([]);
  });
  it('1: a second pass that changes the text', async () => {
    const c = await prepare(text);
    throws(idempotent, withRun(c, (r) => ({ again: { ...r.again, text: r.again.text + '# changed\n' } })));
  });
  it('2: a CRLF in an LF file, and a dropped untouched line', async () => {
    const c = await prepare(text);
    throws(untouchedLinesStay, withRun(c, (r) => ({ result: { ...r.result, text: r.result.text.replace('\n', '\r\n') } })));
    throws(untouchedLinesStay, withRun(c, (r) => ({ result: { ...r.result, text: r.result.text.replace('cluster_name: t\n', '') } })));
    // the item next to the removed credential is not the correction's to take
    throws(untouchedLinesStay, withRun(c, (r) => ({ result: { ...r.result, text: r.result.text.replace('  - pip install boto3\n', '') } })));
  });
  it('3: a credential left in the output and not listed in skipped', async () => {
    const c = await prepare(text);
    throws(noCredentialLeftUnreported, withRun(c, () => ({ after: c.before, result: { text, applied: [], skipped: [] } })));
  });
  it('4: an output that does not parse', async () => {
    const c = await prepare(text);
    const broken = await analysisOf('cluster_name: [\n');
    throws(stillParses, withRun(c, () => ({ after: broken })));
  });
  it('5: an output Ray\'s schema rejects', async () => {
    const c = await prepare(text);
    expect(c.rayBefore).toBe(true);
    throws(rayStillAccepts, withRun(c, (r) => ({ result: { ...r.result, text: 'provider:\n  type: aws\nfile_mounts:\n' } })));
  });
  it('6: a message, a preview or a skip reason holding the secret', async () => {
    const c = await prepare(text, [secret]);
    const leak = (f: Finding): Finding => (f.kind ? { ...f, message: `${f.message} (${secret})` } : f);
    throws(neverLeaks, { ...c, before: { ...c.before, findings: c.before.findings.map(leak) } });
    throws(neverLeaks, { ...c, before: { ...c.before, findings: c.before.findings.map((f) => (f.kind ? { ...f, preview: secret } : f)) } });
    throws(neverLeaks, withRun(c, (r) => ({ result: { ...r.result, skipped: [{ ruleId: 'RG402', line: 5, reason: `left ${secret}` }] } })));
  });
  it('7: an applied entry with an unknown fix, a wrong description or a line outside the file', async () => {
    const c = await prepare(text);
    const a = c.runs[0].result.applied[0];
    for (const bad of [{ ...a, fix: 'no-such-fix' as FixResult['applied'][number]['fix'] }, { ...a, description: 'something else' }, { ...a, line: 99 }, { ...a, line: 1 }]) {
      throws(appliedEntriesHold, withRun(c, (r) => ({ result: { ...r.result, applied: [bad] } })));
    }
  });
});

describe('generator', () => {
  it('writes configs that parse, with the planted credentials in them', async () => {
    const samples = fc.sample(configArb, { numRuns: 60, seed: 7 });
    for (const g of samples) {
      const a = await analysisOf(g.text);
      expect(hasRG101(a), g.text).toBe(false);
      for (const p of g.planted) expect(g.text.includes(p)).toBe(true);
    }
    // Some of everything: credentials, CRLF, flow collections, comments, legacy sections.
    const all = samples.map((g) => g.text).join('\n');
    expect(samples.some((g) => g.planted.length > 0)).toBe(true);
    expect(samples.some((g) => g.text.includes('\r\n'))).toBe(true);
    expect(all).toMatch(/: \{/);
    expect(all).toMatch(/ # /);
    expect(all).toMatch(/^head_node:/m);
    expect(all).toMatch(/aws_credentials:/);
    expect(all).toMatch(/iamInstanceProfile:/);
  });
  it('is deterministic for a spec', () => {
    const [spec] = fc.sample(configSpecArb, { numRuns: 1, seed: 3 });
    expect(renderConfig(spec).text).toBe(renderConfig(spec).text);
  });
});

describe('Ray schema helper (invariant 5)', () => {
  it('accepts a Ray example and rejects a broken config, so invariant 5 can fail', () => {
    expect(rayAccepts(readFileSync(path.join(EXAMPLES, 'aws_example-minimal.yaml'), 'utf8')).ok).toBe(true);
    expect(rayAccepts('provider:\n  type: aws\nfile_mounts:\n').ok).toBe(false);
  });
});

/** Each file, as written and with CRLF line endings: every invariant, all failures reported together. */
function fileCases(files: string[], base: string): Array<[string, string, string]> {
  return files.flatMap((f): Array<[string, string, string]> => [[path.relative(base, f), 'LF', f], [path.relative(base, f), 'CRLF', f]]);
}

describe('corrected config: Ray AWS examples (aws_*.yaml)', () => {
  it('finds the examples', () => expect(exampleFiles.length).toBeGreaterThan(10));
  it.each(fileCases(exampleFiles, EXAMPLES))('%s (%s)', async (_name, eol, f) => {
    const text = readFileSync(f, 'utf8');
    expect(allFailures(await prepare(eol === 'CRLF' ? toCrlf(text) : text))).toEqual([]);
  });
});

describe('corrected config: secrets corpus', () => {
  it('finds the corpus', () => expect(corpusFiles.length).toBeGreaterThan(10));
  it.each(fileCases(corpusFiles, CORPUS))('%s (%s)', async (_name, eol, f) => {
    const text = readFileSync(f, 'utf8');
    expect(allFailures(await prepare(eol === 'CRLF' ? toCrlf(text) : text))).toEqual([]);
  });
});

/**
 * Generated configs: one property per invariant, all with the same seed, so that they see the same
 * configs and share the fixing work (caseOf); each shrinks to its own minimal counterexample.
 */
describe(`corrected config: generated configs (${RUNS} runs, seed ${SEED})`, () => {
  for (const [name, check] of INVARIANTS) {
    it(name, async () => {
      await fc.assert(fc.asyncProperty(configArb, async (g: GeneratedConfig) => check(await prepare(g.text, g.planted))), { numRuns: RUNS, seed: SEED });
    }, 60_000);
  }

  it('the generator reaches the corrections and the checks it is meant to exercise', async () => {
    const seen = new Map<string, number>();
    let withSkips = 0;
    let rayAccepted = 0;
    let credentialsBefore = 0;
    // The first 150 configs of the properties' own sequence (the same seed), mostly memoized by now.
    for (const g of fc.sample(configArb, { numRuns: 150, seed: SEED })) {
      const c = await prepare(g.text, g.planted);
      for (const run of c.runs) for (const a of run.result.applied) seen.set(a.fix, (seen.get(a.fix) ?? 0) + 1);
      if (c.runs.some((r) => r.result.skipped.length > 0)) withSkips++;
      if (c.rayBefore) rayAccepted++;
      if (c.before.findings.some((f) => CREDENTIAL_RULE.test(f.ruleId))) credentialsBefore++;
    }
    const got = JSON.stringify([...seen]);
    for (const f of ['remove-credential', 'remove-aws-credentials', 'add-instance-profile', 'remove-credentials-mount', 'use-env-reference', 'fix-profile-key-casing']) {
      expect(seen.get(f) ?? 0, `no generated config had ${f} applied: ${got}`).toBeGreaterThan(0);
    }
    expect(withSkips, 'no generated config had a skipped correction').toBeGreaterThan(0);
    expect(rayAccepted, 'Ray\'s schema accepted no generated config: invariant 5 was never checked').toBeGreaterThan(0);
    expect(credentialsBefore, 'no generated config had a credential finding').toBeGreaterThan(0);
  }, 60_000);
});
