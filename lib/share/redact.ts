/**
 * Redaction before sharing: every credential the project's scanner finds (and every range the
 * caller adds, such as the credential findings of a validation) is replaced by a marker
 * `<redacted:KIND:N>`. N counts the distinct values of one kind in order of first appearance, so
 * the same secret gets the same marker wherever it occurs, and two different secrets never share one.
 *
 * - Layout is kept: every line break inside a replaced range stays, so the text has the same
 *   lines as before, every line without a secret is unchanged byte
 *   for byte, and findings keep their line numbers (`remapFindings` fixes their columns).
 * - A detected value that also occurs elsewhere verbatim (8+ characters) is replaced there too.
 * - The redacted text is scanned again until nothing is found (a replacement can change the
 *   context of what is left); `clean` says whether that was reached. Redacting a redacted text
 *   changes nothing.
 *
 * Pure: runs in the browser (the share dialog) and in Node.
 */
import { LineIndex } from '../config/position';
import type { Finding } from '../findings/types';
import { scanText } from '../secrets/index';

/** A range to redact besides what the scanner finds (UTF-16 offsets, end exclusive). */
export interface ExtraRange {
  start: number;
  end: number;
  /** Credential kind for the marker; default `credential`. */
  kind?: string;
}

export interface RedactionMarker {
  marker: string;
  kind: string;
  /** 1-based line of the marker (the same in the original and the redacted text). */
  line: number;
}

/** One replacement, in the coordinates of the original text. Holds no secret. */
export interface RedactionEdit {
  start: number;
  end: number;
  replacement: string;
}

export interface Redaction {
  text: string;
  /** One entry per replaced occurrence, in text order. */
  markers: RedactionMarker[];
  /** The replacements, sorted and disjoint, in the original text's coordinates. */
  edits: RedactionEdit[];
  /** True when a scan of `text` finds no credential (false only if redaction gave up; then refuse to share). */
  clean: boolean;
}

export interface RedactOptions {
  extra?: readonly ExtraRange[];
}

const MARKER = /<redacted:([a-z0-9-]+):(\d+)>/g;
/** A line break kept inside a replaced range: an optional continuation backslash, the break, the indentation. */
const LAYOUT = /\\?\r?\n[ \t]*/g;
const MAX_PASSES = 6;
/** Verbatim copies of a detected value are replaced when the value is at least this long. */
const MIN_SWEEP_LENGTH = 8;

interface Interval {
  start: number;
  end: number;
  kind: string;
  /** kind + NUL + value: what decides the marker number. */
  key: string;
}

function keyOf(kind: string, value: string): string {
  return `${kind}\u0000${value}`;
}

/** Sorted, disjoint intervals; an overlap is merged, keeping the earliest (then longest) one's key. */
function merge(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start < last.end) {
      if (iv.end > last.end) last.end = iv.end;
      continue;
    }
    out.push({ ...iv });
  }
  return out;
}

/** Marker text per interval: N per kind by first appearance, after any marker already in the text. */
function markerTexts(original: string, intervals: readonly Interval[]): string[] {
  const base = new Map<string, number>();
  for (const m of original.matchAll(MARKER)) base.set(m[1], Math.max(base.get(m[1]) ?? 0, Number(m[2])));
  const numbers = new Map<string, number>();
  const next = new Map<string, number>();
  return intervals.map((iv) => {
    let n = numbers.get(iv.key);
    if (n === undefined) {
      n = (next.get(iv.kind) ?? base.get(iv.kind) ?? 0) + 1;
      next.set(iv.kind, n);
      numbers.set(iv.key, n);
    }
    return `<redacted:${iv.kind}:${n}>`;
  });
}

/**
 * The line breaks of a replaced range, so that the text keeps its lines. Breaks in the middle keep
 * only the break; the last one keeps its continuation backslash and the indentation when the
 * line goes on after the range (`abc\⏎    def rest`: ` rest` stays where it was).
 */
function layoutOf(original: string, iv: Interval): string {
  const seps = original.slice(iv.start, iv.end).match(LAYOUT);
  if (!seps) return '';
  const lastSep = seps[seps.length - 1];
  const lineEnd = original.indexOf('\n', iv.end);
  const rest = original.slice(iv.end, lineEnd < 0 ? original.length : lineEnd);
  const last = /\S/.test(rest) ? lastSep : lastSep.replace(/^\\/, '').replace(/[ \t]+$/, '');
  return seps.slice(0, -1).map((s) => (s.includes('\r') ? '\r\n' : '\n')).join('') + last;
}

interface Rendered {
  text: string;
  edits: RedactionEdit[];
  /** Start and end of each replacement in `text`. */
  outStart: number[];
  outEnd: number[];
}

function render(original: string, intervals: readonly Interval[], markers: readonly string[]): Rendered {
  const parts: string[] = [];
  const edits: RedactionEdit[] = [];
  const outStart: number[] = [];
  const outEnd: number[] = [];
  let last = 0;
  let at = 0;
  intervals.forEach((iv, i) => {
    const keep = original.slice(last, iv.start);
    parts.push(keep);
    at += keep.length;
    const replacement = markers[i] + layoutOf(original, iv);
    parts.push(replacement);
    edits.push({ start: iv.start, end: iv.end, replacement });
    outStart.push(at);
    at += replacement.length;
    outEnd.push(at);
    last = iv.end;
  });
  parts.push(original.slice(last));
  return { text: parts.join(''), edits, outStart, outEnd };
}

/** Last index i with key(i) <= x (or < x when `strict`), or -1. */
function lastBefore(keys: readonly number[], x: number, strict: boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strict ? keys[mid] < x : keys[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** An offset of the rendered text in the original's coordinates; inside a replacement it widens to the whole replaced range. */
function toOriginal(r: Rendered, pos: number, side: 'start' | 'end'): number {
  const i = lastBefore(r.outStart, pos, side === 'end');
  if (i < 0) return pos;
  const e = r.edits[i];
  if (side === 'start' ? pos < r.outEnd[i] : pos <= r.outEnd[i]) return side === 'start' ? e.start : e.end;
  return e.end + (pos - r.outEnd[i]);
}

function sameIntervals(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.length === b.length && a.every((x, i) => x.start === b[i].start && x.end === b[i].end);
}

/** Verbatim occurrences of `needle` in `text`. */
function* occurrences(text: string, needle: string): Iterable<number> {
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) yield i;
}

function sanitizeKind(kind: string | undefined): string {
  const k = (kind ?? '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return k || 'credential';
}

/** Replaces every detected credential (and every extra range) with a stable marker. */
export function redactForShare(text: string, options: RedactOptions = {}): Redaction {
  let intervals: Interval[] = [];
  for (const x of options.extra ?? []) {
    const start = Math.max(0, Math.min(text.length, Math.floor(x.start)));
    const end = Math.max(0, Math.min(text.length, Math.floor(x.end)));
    if (!(end > start)) continue;
    const kind = sanitizeKind(x.kind);
    intervals.push({ start, end, kind, key: keyOf(kind, text.slice(start, end)) });
  }
  const swept = new Set<string>();
  /** Verbatim copies elsewhere of what an interval covers: a password used twice, named as one once. */
  const sweep = (ivs: readonly Interval[]): Interval[] => {
    const found: Interval[] = [];
    for (const iv of ivs) {
      const value = iv.key.slice(iv.kind.length + 1);
      for (const needle of [value, text.slice(iv.start, iv.end)]) {
        if (needle.length < MIN_SWEEP_LENGTH || /[\r\n]/.test(needle) || swept.has(needle)) continue;
        swept.add(needle);
        for (const at of occurrences(text, needle)) found.push({ start: at, end: at + needle.length, kind: iv.kind, key: iv.key });
      }
    }
    return found;
  };
  intervals = merge([...intervals, ...sweep(intervals)]);
  let rendered = render(text, intervals, markerTexts(text, intervals));
  let clean = false;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const hits = scanText(rendered.text);
    if (hits.length === 0) {
      clean = true;
      break;
    }
    const added: Interval[] = [];
    for (const h of hits) {
      const start = toOriginal(rendered, h.start, 'start');
      const end = toOriginal(rendered, h.end, 'end');
      if (end > start) added.push({ start, end, kind: h.kind, key: keyOf(h.kind, h.value) });
    }
    const next = merge([...intervals, ...added, ...sweep(added)]);
    if (sameIntervals(next, intervals)) break; // nothing new to replace: give up (clean stays false)
    intervals = next;
    rendered = render(text, intervals, markerTexts(text, intervals));
  }
  if (!clean) clean = scanText(rendered.text).length === 0;

  const lines = new LineIndex(text);
  const markers = rendered.edits.map((e, i) => {
    const iv = intervals[i];
    return { marker: e.replacement.replace(LAYOUT, ''), kind: iv.kind, line: lines.position(e.start).line };
  });
  return { text: rendered.text, markers, edits: rendered.edits, clean };
}

/** True while a scan of `text` still finds a credential: sharing is refused then. */
export function stillHasSecrets(text: string): boolean {
  return scanText(text).length > 0;
}

/**
 * The ranges of a validation's credential findings (those with a `kind`) as offsets into `text`,
 * for `redactForShare(text, { extra })`: a secret the findings point at is redacted even when a
 * rescan of the text alone would not report it.
 */
export function credentialRanges(text: string, findings: readonly Finding[]): ExtraRange[] {
  const lines = new LineIndex(text);
  const out: ExtraRange[] = [];
  for (const f of findings) {
    if (!f.kind) continue;
    const start = lines.offset({ line: f.line, column: f.column });
    const end = lines.offset({ line: f.endLine, column: f.endColumn });
    if (end > start) out.push({ start, end, kind: f.kind });
  }
  return out;
}

/**
 * Findings computed on the original text, moved onto the redacted text: lines stay, columns after
 * a marker on the same line shift, a range inside a replacement covers its marker, and the masked
 * preview of a redacted credential becomes its marker.
 */
export function remapFindings(findings: readonly Finding[], original: string, redaction: Pick<Redaction, 'text' | 'edits'>): Finding[] {
  const edits = redaction.edits;
  if (edits.length === 0) return findings.map((f) => ({ ...f }));
  const from = new LineIndex(original);
  const to = new LineIndex(redaction.text);
  const starts = edits.map((e) => e.start);
  const shiftBefore: number[] = [];
  let shift = 0;
  for (const e of edits) {
    shiftBefore.push(shift);
    shift += e.replacement.length - (e.end - e.start);
  }
  const outStartOf = (i: number) => edits[i].start + shiftBefore[i];
  const map = (pos: number, side: 'start' | 'end'): { at: number; edit: number } => {
    const i = lastBefore(starts, pos, side === 'end');
    if (i < 0) return { at: pos, edit: -1 };
    const e = edits[i];
    const s = outStartOf(i);
    if (side === 'start' ? pos < e.end : pos <= e.end) return { at: side === 'start' ? s : s + e.replacement.length, edit: i };
    return { at: pos + shiftBefore[i] + e.replacement.length - (e.end - e.start), edit: -1 };
  };
  return findings.map((f) => {
    const a = map(from.offset({ line: f.line, column: f.column }), 'start');
    const b = map(from.offset({ line: f.endLine, column: f.endColumn }), 'end');
    const span = to.span(a.at, b.at);
    const g: Finding = { ...f, ...span };
    const edit = a.edit >= 0 ? a.edit : b.edit;
    if (g.preview !== undefined && edit >= 0) g.preview = edits[edit].replacement.replace(LAYOUT, '');
    return g;
  });
}
