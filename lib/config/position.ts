import { lastAtOrBefore } from '../sorted';

/**
 * The one position model. Offsets are UTF-16 indexes into the source string (what the `yaml`
 * package and JavaScript use); positions are 1-based lines and 1-based columns counted in
 * code points. Lines split on "\n"; a "\r" before it belongs to no line, so CRLF and LF files
 * report the same positions.
 */
export interface Position {
  line: number;
  column: number;
}

export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

const SURROGATE = /[\uD800-\uDFFF]/;

export class LineIndex {
  /** Offset of the first character of every line. */
  private readonly starts: number[];
  /** Per line: only BMP characters (then column = offset delta + 1). Null when the whole text is. */
  private readonly simple: boolean[] | null;

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
    // Most configs are all BMP: then every column is an offset difference, with no per-line pass.
    if (!SURROGATE.test(text)) {
      this.simple = null;
      return;
    }
    const simple: boolean[] = [];
    for (let l = 0; l < starts.length; l++) {
      const end = l + 1 < starts.length ? starts[l + 1] : text.length;
      simple.push(!SURROGATE.test(text.slice(starts[l], end)));
    }
    this.simple = simple;
  }

  private isSimple(line0: number): boolean {
    return this.simple === null || this.simple[line0];
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 0-based line number holding `offset` (binary search). */
  lineOf(offset: number): number {
    const s = this.starts;
    return Math.max(0, lastAtOrBefore(s.length, (i) => s[i], offset));
  }

  lineStart(line1: number): number {
    return this.starts[Math.max(0, Math.min(line1 - 1, this.starts.length - 1))];
  }

  /** End offset of a line's content (before "\r\n" / "\n"). */
  lineEnd(line1: number): number {
    const i = Math.max(0, Math.min(line1 - 1, this.starts.length - 1));
    let end = i + 1 < this.starts.length ? this.starts[i + 1] - 1 : this.text.length;
    if (end > this.starts[i] && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line1: number): string {
    return this.text.slice(this.lineStart(line1), this.lineEnd(line1));
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const l = this.lineOf(o);
    const start = this.starts[l];
    if (this.isSimple(l)) return { line: l + 1, column: o - start + 1 };
    let col = 1;
    for (let i = start; i < o; i++) {
      const c = this.text.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < o) i++;
      col++;
    }
    return { line: l + 1, column: col };
  }

  /** Inverse of `position`. Columns past the line's end clamp to it. */
  offset(pos: Position): number {
    const start = this.lineStart(pos.line);
    const end = this.lineEnd(pos.line);
    const l = Math.max(0, Math.min(pos.line - 1, this.starts.length - 1));
    if (this.isSimple(l)) return Math.min(start + pos.column - 1, end);
    let i = start;
    for (let col = 1; col < pos.column && i < end; col++) {
      const c = this.text.charCodeAt(i);
      i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
    }
    return Math.min(i, end);
  }

  span(start: number, end: number): Span {
    const a = this.position(start);
    const b = this.position(Math.max(start, end));
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
}
