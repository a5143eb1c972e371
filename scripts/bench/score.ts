/**
 * Recall / false-positive scoring, the same way as shared/tools/score_secrets.py: a label is found
 * when a reported span overlaps the label's span (positions compared as (line, column) pairs; a
 * multi-line label runs to the end of its `end_line`); a report that matches no label and overlaps
 * no `acceptable` span is a false positive. Nothing here prints a secret.
 */

export interface LabelLike {
  line: number;
  column?: number;
  text?: string;
  end_line?: number;
  kind?: string;
}

/** A reported span: 1-based lines and columns, end exclusive. */
export interface Report {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Rule or kind, for the listing of false positives. */
  what: string;
}

type Pos = readonly [number, number];
type Span = readonly [Pos, Pos];

const lt = (a: Pos, b: Pos): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
const overlaps = ([s1, e1]: Span, [s2, e2]: Span): boolean => lt(s1, e2) && lt(s2, e1);

/** Lines as the scorer splits them: on "\n", a trailing "\r" is not part of a line. */
export function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export function labelSpan(label: LabelLike, lines: string[]): Span {
  const line = label.line;
  const text = label.text ?? '';
  const src = line > 0 && line <= lines.length ? lines[line - 1] : '';
  let col = label.column;
  if (col === undefined || col === null) {
    const idx = text ? src.indexOf(text) : -1;
    col = idx >= 0 ? idx + 1 : 1;
  }
  const endLine = label.end_line ?? line;
  let endCol: number;
  if (endLine === line) endCol = col + Math.max(text.length, 1);
  else endCol = endLine <= lines.length ? lines[endLine - 1].length + 1 : 10 ** 6;
  return [[line, col], [endLine, endCol]];
}

export interface FileScore {
  labels: number;
  found: number;
  fps: number;
  /** Per kind: [labels, found]. */
  byKind: Map<string, [number, number]>;
  /** "line kind" of each miss, "line what" of each false positive (no secret text). */
  misses: string[];
  falsePositives: string[];
}

export function scoreFile(lines: string[], findings: LabelLike[], acceptable: LabelLike[], reports: Report[]): FileScore {
  const got: Span[] = reports.map((r) => [[r.line, r.column], [r.endLine, r.endColumn]]);
  const used = new Set<number>();
  const out: FileScore = { labels: 0, found: 0, fps: 0, byKind: new Map(), misses: [], falsePositives: [] };
  for (const lab of findings) {
    out.labels++;
    const sp = labelSpan(lab, lines);
    const kind = lab.kind ?? '?';
    const k = out.byKind.get(kind) ?? [0, 0];
    k[0]++;
    let hit = false;
    got.forEach((g, i) => {
      if (overlaps(g, sp)) {
        hit = true;
        used.add(i);
      }
    });
    if (hit) {
      out.found++;
      k[1]++;
    } else out.misses.push(`${lab.line} ${kind}`);
    out.byKind.set(kind, k);
  }
  const ok = acceptable.map((a) => labelSpan(a, lines));
  got.forEach((g, i) => {
    if (used.has(i) || ok.some((a) => overlaps(g, a))) return;
    out.fps++;
    out.falsePositives.push(`${reports[i].line} ${reports[i].what}`);
  });
  return out;
}

export interface Totals {
  files: number;
  labels: number;
  found: number;
  fps: number;
  byKind: Map<string, [number, number]>;
  misses: string[];
  falsePositives: string[];
}

export function emptyTotals(): Totals {
  return { files: 0, labels: 0, found: 0, fps: 0, byKind: new Map(), misses: [], falsePositives: [] };
}

export function addScore(t: Totals, name: string, s: FileScore): void {
  t.files++;
  t.labels += s.labels;
  t.found += s.found;
  t.fps += s.fps;
  for (const [k, [n, f]] of s.byKind) {
    const cur = t.byKind.get(k) ?? [0, 0];
    cur[0] += n;
    cur[1] += f;
    t.byKind.set(k, cur);
  }
  for (const m of s.misses) t.misses.push(`${name}:${m}`);
  for (const m of s.falsePositives) t.falsePositives.push(`${name}:${m}`);
}
