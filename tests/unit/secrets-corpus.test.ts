/**
 * The labeled corpus in shared/corpus/secrets, read from disk at test time (never copied).
 * A hit matches a label when it has the same kind and overlaps the label's text on its line.
 * Every label must be matched; every hit must match a label or an `acceptable` span.
 * Failure messages name file, line and kind only: no secret is ever printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { scanText, type SecretHit } from '@/lib/secrets';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus/secrets');

interface Label {
  line: number;
  column?: number;
  kind: string;
  text: string;
  end_line?: number;
  value?: string;
  encoding?: string;
}
interface LabelFile {
  findings: Label[];
  acceptable?: Label[];
}

const files = fs.existsSync(CORPUS)
  ? fs
      .readdirSync(CORPUS)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  : [];

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo; // 1-based
}

/** [start, end) of a label's `text` in `text`; acceptable spans have no column: search the line. */
function labelSpan(text: string, starts: number[], l: Label): [number, number] | undefined {
  const ls = starts[l.line - 1];
  if (ls === undefined) return undefined;
  const s = l.column !== undefined ? ls + l.column - 1 : text.indexOf(l.text, ls);
  if (s < 0 || text.slice(s, s + l.text.length) !== l.text) return undefined;
  return [s, s + l.text.length];
}

interface Score {
  missed: string[];
  falsePositives: string[];
  found: number;
  total: number;
}

function score(name: string, text: string, labels: LabelFile, hits: SecretHit[]): Score {
  const starts = lineStarts(text);
  const missed: string[] = [];
  const matched = new Set<SecretHit>();
  let found = 0;
  for (const l of labels.findings) {
    const span = labelSpan(text, starts, l);
    if (!span) {
      missed.push(`${name}:${l.line}:${l.kind} (label text not at its position)`);
      continue;
    }
    const hit = hits.find((h) => h.kind === l.kind && h.start < span[1] && h.end > span[0] && lineOf(starts, h.start) === l.line);
    if (hit) {
      found++;
      matched.add(hit);
      // a multi-line secret ends on its last line
      if (l.end_line !== undefined) expect(lineOf(starts, hit.end - 1), `${name}:${l.line}:${l.kind} end line`).toBe(l.end_line);
    } else missed.push(`${name}:${l.line}:${l.kind}`);
  }
  const falsePositives: string[] = [];
  for (const h of hits) {
    if (matched.has(h)) continue;
    const overlaps = (l: Label, sameKind: boolean) => {
      const span = labelSpan(text, starts, l);
      return !!span && (!sameKind || l.kind === h.kind) && h.start < span[1] && h.end > span[0];
    };
    if (labels.findings.some((l) => overlaps(l, true))) continue;
    if ((labels.acceptable ?? []).some((l) => overlaps(l, false))) continue;
    falsePositives.push(`${name}:${lineOf(starts, h.start)}:${h.start - starts[lineOf(starts, h.start) - 1] + 1}:${h.kind}`);
  }
  return { missed, falsePositives, found, total: labels.findings.length };
}

function load(f: string): { text: string; labels: LabelFile } {
  const text = fs.readFileSync(path.join(CORPUS, f), 'utf8');
  const labels = JSON.parse(fs.readFileSync(path.join(CORPUS, f.replace(/\.yaml$/, '.expected.json')), 'utf8')) as LabelFile;
  return { text, labels };
}

describe.skipIf(files.length === 0)('secrets corpus (shared/corpus/secrets)', () => {
  it('has labeled files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s: every label found, no false positives', (f) => {
    const { text, labels } = load(f);
    const hits = scanText(text);
    const s = score(f, text, labels, hits);
    expect(s.missed, 'missed labels').toEqual([]);
    expect(s.falsePositives, 'false positives').toEqual([]);
  });

  it.each(files)('%s: same result with CRLF line endings', (f) => {
    const { text, labels } = load(f);
    const crlf = text.replace(/\r?\n/g, '\r\n');
    // README: a trailing \r is not part of a line, so line/column labels stay valid
    const s = score(f, crlf, labels, scanText(crlf));
    expect(s.missed).toEqual([]);
    expect(s.falsePositives).toEqual([]);
  });

  it.each(files)('%s: same credentials when re-emitted as JSON or another quoting style', (f) => {
    const { text } = load(f);
    const norm = (h: SecretHit) => `${h.kind}:${h.value.replace(/\\+[nrt]/g, '').replace(/[\s\\"']/g, '')}`;
    const base = new Set(scanText(text).map(norm));
    const doc: unknown = YAML.parse(text);
    const variants: [string, string][] = [
      ['json', JSON.stringify(doc, null, 2)],
      ['double-quoted, folded', YAML.stringify(doc, { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 60 })],
      ['single-quoted', YAML.stringify(doc, { defaultStringType: 'QUOTE_SINGLE' })],
    ];
    for (const [name, variant] of variants) {
      const got = new Set(scanText(variant).map(norm));
      const missing = [...base].filter((k) => !got.has(k)).map((k) => k.slice(0, k.indexOf(':')));
      const extra = [...got].filter((k) => !base.has(k)).map((k) => k.slice(0, k.indexOf(':')));
      expect({ variant: name, missing, extra }).toEqual({ variant: name, missing: [], extra: [] });
    }
  });

  it('totals: all labels found, zero false positives', () => {
    let found = 0;
    let total = 0;
    let fps = 0;
    for (const f of files) {
      const { text, labels } = load(f);
      const s = score(f, text, labels, scanText(text));
      found += s.found;
      total += s.total;
      fps += s.falsePositives.length;
    }
    expect({ found, total, fps }).toEqual({ found: total, total, fps: 0 });
  });
});
