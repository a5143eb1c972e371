import { isMap, isSeq, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { LineIndex } from '../config/position';
import { nodeRange } from '../config/nodes';

/** Replace [start, end) of the source text by `text`. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies non-overlapping edits. Where two edits overlap, the one that covers more wins (removing
 * a whole block already removes the line inside it). Everything outside the edits is kept
 * byte-for-byte.
 */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const kept = normalizeEdits(edits);
  let out = '';
  let at = 0;
  for (const e of kept) {
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}

export function normalizeEdits(edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: TextEdit[] = [];
  for (const e of sorted) {
    const last = kept[kept.length - 1];
    if (last && e.start < last.end) {
      // Two deletions that overlap (a comma both would take): delete both.
      if (e.text === '' && last.text === '') {
        kept[kept.length - 1] = { ...last, end: Math.max(last.end, e.end) };
        continue;
      }
      if (e.end <= last.end) continue; // contained: the larger edit covers it
      if (e.end - e.start > last.end - last.start) kept[kept.length - 1] = e;
      continue;
    }
    if (last && e.start === last.end && e.start === e.end && last.start === last.end) continue;
    kept.push(e);
  }
  return kept;
}

/** The whole lines [first line of `start`, last line of `end`), including the final newline. */
export function wholeLines(lines: LineIndex, start: number, end: number): TextEdit {
  const first = lines.lineOf(start) + 1;
  const last = lines.lineOf(Math.max(start, end - 1)) + 1;
  const s = lines.lineStart(first);
  const e = last < lines.lineCount ? lines.lineStart(last + 1) : lines.text.length;
  return { start: s, end: e, text: '' };
}

/** True when only indentation (and a `- ` marker, when allowed) precedes `offset` on its line. */
export function startsLine(lines: LineIndex, offset: number, allowDash: boolean): boolean {
  const lineStart = lines.lineStart(lines.lineOf(offset) + 1);
  const before = lines.text.slice(lineStart, offset);
  return allowDash ? /^[ \t]*(?:-[ \t]+)*$/.test(before) : /^[ \t]*$/.test(before);
}

/** End offset of a node's own text (not a trailing comment). */
export function valueEnd(node: unknown, fallback: number): number {
  return nodeRange(node)?.[1] ?? fallback;
}

/** Removes one entry of a block mapping (whole lines) or a flow mapping (the entry and a comma). */
export function removePair(lines: LineIndex, map: YAMLMap, pair: Pair): TextEdit | null {
  const kr = nodeRange(pair.key);
  if (!kr) return null;
  const end = valueEnd(pair.value, kr[1]);
  if (!map.flow) {
    // `- key: v` opening a mapping inside a list: removing the line would break the list item.
    if (!startsLine(lines, kr[0], false)) return null;
    return wholeLines(lines, kr[0], end);
  }
  return removeFlowItem(lines.text, kr[0], end);
}

/** Removes one item of a block sequence (whole lines) or a flow sequence. */
export function removeSeqItem(lines: LineIndex, seq: YAMLSeq, index: number): TextEdit | null {
  const item = seq.items[index] as Node;
  const r = nodeRange(item);
  if (!r) return null;
  if (!seq.flow) {
    if (!startsLine(lines, r[0], true)) return null;
    const lineStart = lines.lineStart(lines.lineOf(r[0]) + 1);
    const before = lines.text.slice(lineStart, r[0]);
    if ((before.match(/-/g) ?? []).length !== 1) return null; // `- - x`: nested list on one line
    return wholeLines(lines, r[0], r[1]);
  }
  return removeFlowItem(lines.text, r[0], r[1]);
}

function removeFlowItem(text: string, start: number, end: number): TextEdit {
  // Take the comma after the item (and the spaces after it); else the comma before it.
  let e = end;
  while (e < text.length && (text[e] === ' ' || text[e] === '\t')) e++;
  if (text[e] === ',') {
    e++;
    while (e < text.length && (text[e] === ' ' || text[e] === '\t')) e++;
    return { start, end: e, text: '' };
  }
  let s = start;
  while (s > 0 && (text[s - 1] === ' ' || text[s - 1] === '\t')) s--;
  if (text[s - 1] === ',') return { start: s - 1, end, text: '' };
  return { start, end, text: '' };
}

/** Replaces a whole flow collection by an empty one (`[]` / `{}`). */
export function emptyCollection(node: Node): TextEdit | null {
  const r = nodeRange(node);
  if (!r) return null;
  const empty = isSeq(node) ? '[]' : isMap(node) ? '{}' : null;
  return empty === null ? null : { start: r[0], end: r[1], text: empty };
}
