import { isScalar, parseDocument, visit, type Node, type YAMLSeq } from 'yaml';
import { YAML_OPTIONS } from '../config/parse';
import { nodeRange } from '../config/nodes';
import type { ParsedConfig } from '../config/parse';
import { lastAtOrBefore } from '../sorted';
import { HEX_ESCAPE, hexEscapeCode } from '../secrets/util';

const LEADING_HEX_ESCAPE = new RegExp(`^(?:${HEX_ESCAPE})`);

/**
 * Where a credential sits in a command list, and what removing it means: the whole list item,
 * or a part of the command (a shell segment, an env prefix, a `-e NAME=VALUE` flag) while the
 * rest of the command stays.
 */
export interface CommandCredential {
  seq: YAMLSeq;
  index: number;
  /** Source ranges to delete inside the item's text; empty when the whole item goes. */
  cut: Array<[number, number]>;
  /** True when nothing of the command would be left: remove the item. */
  wholeItem: boolean;
}

interface Char {
  c: string;
  at: number; // raw source offset of this logical character
  len: number; // raw length (2 for YAML escapes such as \" or '')
}

/**
 * The logical characters of a command scalar's source, with their raw offsets: one-line plain and
 * quoted scalars, and (multiLineChars) folded blocks and flow scalars over several lines.
 */
export function commandChars(text: string, node: Node): ReadonlyArray<Readonly<Char>> | null {
  return logicalChars(text, node);
}

/** The logical characters of a one-line scalar's source, with their raw offsets. */
function logicalChars(text: string, node: Node): Char[] | null {
  if (!isScalar(node) || typeof node.value !== 'string') return null;
  const r = nodeRange(node);
  if (!r) return null;
  const raw = text.slice(r[0], r[1]);
  if (raw.includes('\n') || node.type === 'BLOCK_FOLDED') return multiLineChars(text, node, r);
  const type = node.type;
  let s = r[0];
  let e = r[1];
  if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') {
    s++;
    e--;
  } else if (type !== 'PLAIN') return null;
  const out: Char[] = [];
  for (let i = s; i < e; i++) {
    const ch = text[i];
    if (type === 'QUOTE_DOUBLE' && ch === '\\' && i + 1 < e) {
      const n = text[i + 1];
      if (n === '"' || n === '\\' || n === '/') {
        out.push({ c: n, at: i, len: 2 });
        i++;
        continue;
      }
      // hex escapes stand for exactly one character (a secret may be written "\x41KIA…")
      const hex = LEADING_HEX_ESCAPE.exec(text.slice(i + 1, Math.min(e, i + 10)));
      const code = hex ? hexEscapeCode(hex[0]) : -1;
      if (hex && code >= 0x20 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) {
        out.push({ c: String.fromCodePoint(code), at: i, len: 1 + hex[0].length });
        i += hex[0].length;
        continue;
      }
      return null; // other escapes change meaning: do not edit by hand
    }
    if (type === 'QUOTE_SINGLE' && ch === "'" && text[i + 1] === "'") {
      out.push({ c: "'", at: i, len: 2 });
      i++;
      continue;
    }
    out.push({ c: ch, at: i, len: 1 });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scalars written over several lines: a folded block (`- >-`), or a plain or quoted scalar
// continued on the next line. YAML folds them: a line break between two lines of text is a space,
// empty lines (and, in a folded block, lines indented further) keep their line breaks.

/**
 * The logical characters of a multi-line scalar, with raw offsets. A line break that folds to a
 * space is one ' ' character covering the break, the trailing blanks a flow scalar drops and the
 * next line's indentation; a kept break is one '\n…' character over the same kind of span (the
 * shell reads it as the end of a command); an escaped break (`\` ending a double-quoted line)
 * joins the lines. Null for what is not modelled here (explicit indentation indicators, empty
 * lines after an escaped break), or when the model does not reproduce the parser's value exactly.
 */
function multiLineChars(text: string, node: Node, r: [number, number]): Char[] | null {
  if (!isScalar(node) || typeof node.value !== 'string') return null;
  const out = node.type === 'BLOCK_FOLDED' ? foldedBlockChars(text, node, r) : node.type === 'PLAIN' || node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? flowChars(text, node.type, r) : null;
  if (!out) return null;
  const value = node.type === 'BLOCK_FOLDED' ? node.value.replace(/\n+$/, '') : node.value;
  return out.map((x) => x.c).join('') === value ? out : null;
}

/** A folded block's lines: `>`, `>-`, `>+` (an explicit indentation indicator is not modelled). */
function foldedBlockChars(text: string, node: Node, r: [number, number]): Char[] | null {
  const lines = blockLines(text, node);
  const header = text.slice(r[0], text.indexOf('\n', r[0])).replace(/\r$/, '');
  if (!lines || !/^>[+-]?(?:[ \t]+#.*|[ \t]*)$/.test(header)) return null;
  const first = lines.find((l) => l.text.trim() !== '');
  if (!first) return null;
  const indent = first.text.length - first.text.trimStart().length;
  if (/\t/.test(first.text.slice(0, indent))) return null;
  const out: Char[] = [];
  let prev: { end: number; more: boolean } | null = null;
  let empty = 0;
  for (const l of lines) {
    if (l.text.trim() === '') {
      if (prev) empty++;
      continue;
    }
    if (l.text.length < indent || l.text.slice(0, indent).trim() !== '') return null;
    const more = l.text[indent] === ' ' || l.text[indent] === '\t';
    const start = l.start + indent;
    if (prev) {
      const c = !prev.more && !more && empty === 0 ? ' ' : '\n'.repeat(prev.more || more ? empty + 1 : empty);
      out.push({ c, at: prev.end, len: start - prev.end });
    }
    for (let i = start; i < l.end; i++) out.push({ c: text[i], at: i, len: 1 });
    prev = { end: l.end, more };
    empty = 0;
  }
  return out;
}

/** A plain or quoted scalar continued on further lines (escapes as for one-line scalars). */
function flowChars(text: string, type: 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE', r: [number, number]): Char[] | null {
  const quoted = type !== 'PLAIN';
  const s = quoted ? r[0] + 1 : r[0];
  const e = quoted ? r[1] - 1 : r[1];
  const out: Char[] = [];
  // An escaped line break (`\` at the end of a double-quoted line) stands for nothing: its source
  // goes with the next character, so that a cut never separates the `\` from the break.
  let carry: number | null = null;
  const push = (x: Char) => {
    if (carry !== null) x = { ...x, len: x.at + x.len - carry, at: carry };
    carry = null;
    out.push(x);
  };
  /** The offset of the next line's first character (its indentation skipped). */
  const nextLine = (at: number) => {
    let j = text[at] === '\r' ? at + 2 : at + 1;
    while (j < e && (text[j] === ' ' || text[j] === '\t')) j++;
    return j;
  };
  for (let i = s; i < e; i++) {
    const ch = text[i];
    if (ch === '\r' && text[i + 1] === '\n') continue;
    if (ch === '\n') {
      if (carry !== null) return null;
      // Blanks before the break are not part of the value: the fold starts at the first of them.
      let from = text[i - 1] === '\r' ? i - 1 : i;
      while (out.length > 0 && out[out.length - 1].len === 1 && (out[out.length - 1].c === ' ' || out[out.length - 1].c === '\t') && text[out[out.length - 1].at] === out[out.length - 1].c) from = out.pop()!.at;
      // Empty lines after the break each keep a line break; the break itself then goes.
      let j = nextLine(i);
      let empty = 0;
      while (j < e && (text[j] === '\n' || (text[j] === '\r' && text[j + 1] === '\n'))) {
        empty++;
        j = nextLine(j);
      }
      if (j >= e) return null; // a quoted scalar closed at the start of a line: not modelled
      out.push({ c: empty === 0 ? ' ' : '\n'.repeat(empty), at: from, len: j - from });
      i = j - 1;
      continue;
    }
    if (type === 'QUOTE_DOUBLE' && ch === '\\' && i + 1 < e) {
      const n = text[i + 1];
      if (n === '\n' || (n === '\r' && text[i + 2] === '\n')) {
        const j = nextLine(i + 1);
        if (j >= e || text[j] === '\n' || text[j] === '\r' || carry !== null) return null; // empty lines after it: not modelled
        carry = i;
        i = j - 1;
        continue;
      }
      if (n === '"' || n === '\\' || n === '/') {
        push({ c: n, at: i, len: 2 });
        i++;
        continue;
      }
      const hex = LEADING_HEX_ESCAPE.exec(text.slice(i + 1, Math.min(e, i + 10)));
      const code = hex ? hexEscapeCode(hex[0]) : -1;
      if (hex && code >= 0x20 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)) {
        push({ c: String.fromCodePoint(code), at: i, len: 1 + hex[0].length });
        i += hex[0].length;
        continue;
      }
      return null; // another escape: not edited
    }
    if (type === 'QUOTE_SINGLE' && ch === "'" && text[i + 1] === "'") {
      push({ c: "'", at: i, len: 2 });
      i++;
      continue;
    }
    push({ c: ch, at: i, len: 1 });
  }
  return carry === null ? out : null;
}

/**
 * True when cutting `cut` from a command scalar leaves exactly its value without the cut
 * characters, still a string: the folding of the lines that remain is what it was, and no YAML
 * structure appeared. Checked by reading the edited item again, so that a layout the model gets
 * wrong is left to the user.
 */
function cutKeepsValue(text: string, node: Node, chars: Char[], cut: Array<[number, number]>): boolean {
  const r = nodeRange(node);
  if (!r) return false;
  const sorted = [...cut].sort((x, y) => x[0] - y[0]);
  if (sorted.some(([a, b], i) => a < r[0] || b > r[1] || (i > 0 && a < sorted[i - 1][1]))) return false;
  const want = chars.filter((c) => !sorted.some(([a, b]) => c.at >= a && c.at < b)).map((c) => c.c).join('');
  // Usually the item sits in a block list (`  - cmd`): then its line, from the list indicator
  // on, read alone is the same scalar in the same context, and only that much is read again.
  const lineStart = text.lastIndexOf('\n', r[0] - 1) + 1;
  const prefix = text.slice(lineStart, r[0]);
  const local = SEQ_ITEM_PREFIX.test(prefix);
  const from = local ? lineStart : 0;
  const to = local ? r[1] : text.length;
  let edited = '';
  let at = from;
  for (const [a, b] of sorted) {
    edited += text.slice(at, a);
    at = b;
  }
  edited += text.slice(at, to);
  let doc;
  try {
    doc = parseDocument(local ? `${edited}\n` : edited, YAML_OPTIONS);
  } catch {
    return false;
  }
  if (doc.errors.length > 0) return false;
  const startInEdited = r[0] - from;
  let got: unknown = undefined;
  visit(doc, {
    Scalar(_k, n) {
      if (n.range?.[0] === startInEdited) {
        got = n.value;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const value = typeof got === 'string' ? got : null;
  return value !== null && value.replace(/\n+$/, '') === want.replace(/\n+$/, '');
}

/** What precedes an item of a block list on its line: indentation and one or more `- `. */
const SEQ_ITEM_PREFIX = /^ *(?:-[ ]+)+$/;

interface Word {
  from: number; // index into chars
  to: number; // exclusive
  text: string;
}

interface Segment {
  from: number;
  to: number; // exclusive: the segment's own text
  next: number; // start of the following segment (after the separator), or chars.length
  words: Word[];
  /** The separator after this segment (`&&`, `||`, `;`, `|`), or '' for the last one. */
  sep: string;
  /** Computed once per segment, on first use (many hits can sit in one command). */
  memo?: { firstCommand: number; setsCredential: boolean; exportKeepsOthers?: boolean };
}

/** `/\s/.test(c)` for a logical character, without a regex for the usual one-character case. */
function hasSpace(c: string): boolean {
  if (c.length === 1) {
    const k = c.charCodeAt(0);
    if (k < 128) return k === 32 || (k >= 9 && k <= 13);
  }
  return /\s/.test(c);
}

/** Splits a command on `&&`, `||`, `;`, `|` outside quotes, into words. */
function segments(chars: Char[]): Segment[] {
  const segs: Segment[] = [];
  let words: Word[] = [];
  let word: Word | null = null;
  let quote: string | null = null;
  let segStart = 0;
  const endWord = (i: number) => {
    if (word) {
      word.to = i;
      words.push(word);
      word = null;
    }
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i].c;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      if (word) word.text += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      if (!word) word = { from: i, to: i, text: '' };
      word.text += c;
      continue;
    }
    // `#` at the start of a word: the rest of the line is a comment (separators in it included).
    if (c === '#' && !word) {
      while (i + 1 < chars.length && !chars[i + 1].c.startsWith('\n')) i++;
      continue;
    }
    const two = c === '&' || c === '|' ? c + (chars[i + 1]?.c ?? '') : c;
    // A lone `&` (run in the background) separates commands too; `2>&1`, `&>` are redirections.
    const amp = c === '&' && chars[i - 1]?.c !== '>' && chars[i - 1]?.c !== '<' && chars[i + 1]?.c !== '>';
    // A line break kept by a multi-line scalar (see multiLineChars) ends a command, as `;` does.
    const newline = c.charCodeAt(0) === 10;
    const sepLen = two === '&&' || two === '||' ? 2 : c === ';' || c === '|' || amp || newline ? 1 : 0;
    if (sepLen) {
      endWord(i);
      let j = i + sepLen;
      while (j < chars.length && hasSpace(chars[j].c)) j++;
      segs.push({ from: segStart, to: trimEnd(chars, segStart, i), next: j, words, sep: sepLen === 2 ? two : newline ? ';' : c });
      words = [];
      segStart = j;
      i = j - 1;
      continue;
    }
    if (hasSpace(c)) {
      endWord(i);
      continue;
    }
    if (!word) word = { from: i, to: i, text: '' };
    word.text += c;
  }
  endWord(chars.length);
  segs.push({ from: segStart, to: trimEnd(chars, segStart, chars.length), next: chars.length, words, sep: '' });
  return segs.filter((s) => s.to > s.from || s.words.length > 0);
}

function trimEnd(chars: Char[], from: number, to: number): number {
  while (to > from && hasSpace(chars[to - 1].c)) to--;
  return to;
}

/** A command's characters and shell segments, read once per scalar (many hits may share one). */
const commandCache = new WeakMap<Node, { chars: Char[]; segs: Segment[] } | null>();

function commandOf(text: string, node: Node): { chars: Char[]; segs: Segment[] } | null {
  if (commandCache.has(node)) return commandCache.get(node)!;
  const chars = logicalChars(text, node);
  const cmd = chars && chars.length > 0 ? { chars, segs: segments(chars) } : null;
  commandCache.set(node, cmd);
  return cmd;
}

const ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*=/;
const ENV_FLAG = /^(?:-e|--env)$/;

/** A shell segment whose only job is to set or store a credential: removing it loses nothing else. */
function setsCredential(words: Word[]): boolean {
  const w = words.map((x) => x.text);
  if (w.length === 0) return false;
  if (w[0] === 'export' || w[0] === 'set' || w[0] === 'setenv') return true;
  if (w.every((x) => ASSIGN.test(x))) return true; // NAME=VALUE alone
  if (w.length === 2 && ENV_FLAG.test(w[0])) return true; // a docker option item: -e NAME=VALUE
  if (w.length === 1 && /^(?:-e|--env)=/.test(w[0])) return true;
  if (w[0] === 'aws' && w.includes('configure') && w.includes('set')) return true;
  // echo / printf writing to a file (~/.bashrc, ~/.aws/credentials, ~/.passwd-s3fs)
  if ((w[0] === 'echo' || w[0] === 'printf') && w.some((x) => x.startsWith('>'))) return true;
  return false;
}

/**
 * Whether a whole segment would be cut for the credential in it (no word-level cut applies): it
 * only sets or stores credentials, holds a detected secret, and keeps nothing else (no other
 * assignment beside an export, no command after an env prefix, no docker options).
 */
function wholeSegmentCredential(seg: Segment, holdsSecret: (w: Word) => boolean): boolean {
  const words = seg.words;
  if (!setsCredential(words) || !words.some(holdsSecret)) return false;
  if (words.some((w) => ENV_FLAG.test(w.text) || /^(?:-e|--env)=/.test(w.text))) return words.length <= 2;
  if (words[0]?.text === 'export') return !words.slice(1).some((x) => ASSIGN.test(x.text) && !holdsSecret(x));
  const first = words[0]?.text === 'env' ? 1 : 0;
  const firstCommand = words.findIndex((x, k) => k >= first && !ASSIGN.test(x.text));
  return firstCommand < 0 || !ASSIGN.test(words[first]?.text ?? '');
}

/**
 * What to cut from a one-line command list item so that the credential at `offset` is gone:
 * the `-e NAME=VALUE` flag, the `NAME=VALUE` env prefix or export assignment, or the whole shell
 * segment when it only sets or stores credentials (`export`, `aws configure set`,
 * `echo ... >> ~/.bashrc`). Null when removing it would also remove something else the command
 * does (a `git clone` with a token in its URL): that needs a different correction.
 * `secretStarts` are the offsets of every detected credential, in ascending order, so that an
 * `export` whose assignments are all credentials goes as a whole.
 */
export function commandCredentialAt(
  parsed: ParsedConfig,
  seq: YAMLSeq,
  index: number,
  offset: number,
  secretStarts: readonly number[] = [offset],
): CommandCredential | null {
  const node = seq.items[index] as Node;
  if (isScalar(node) && node.type === 'BLOCK_LITERAL') return blockCredentialAt(parsed, seq, index, offset, secretStarts);
  const cmd = commandOf(parsed.text, node);
  const c = cmd ? credentialInCommand(cmd, seq, index, offset, secretStarts) : null;
  // A command over several lines must keep how the rest of it folds; a plain one-line command
  // whose rest reads as YAML structure (`- foo`, `? x`, `a: b`) must stay a string.
  const check = c && !c.wholeItem && (isMultiLine(parsed.text, node) || mayChangeShape(parsed.text, node, c.cut));
  if (check && !cutKeepsValue(parsed.text, node, cmd!.chars, c!.cut)) return null;
  return c;
}

/** A plain scalar's text after the cut starts with an indicator or blank, or holds `: ` or ` #`. */
function mayChangeShape(text: string, node: Node, cut: Array<[number, number]>): boolean {
  const r = nodeRange(node);
  if (!r || !isScalar(node) || node.type !== 'PLAIN') return false;
  let rest = '';
  let at = r[0];
  for (const [a, b] of [...cut].sort((x, y) => x[0] - y[0])) {
    rest += text.slice(at, Math.max(at, a));
    at = Math.max(at, b);
  }
  rest += text.slice(at, r[1]);
  return /^[\s\-?:,[\]{}#&*!|>'"%@`]|:(?:\s|$)|\s#/.test(rest);
}

function isMultiLine(text: string, node: Node): boolean {
  const r = nodeRange(node);
  return !!r && text.slice(r[0], r[1]).includes('\n');
}

function credentialInCommand(
  cmd: { chars: Char[]; segs: Segment[] },
  seq: YAMLSeq,
  index: number,
  offset: number,
  secretStarts: readonly number[],
): CommandCredential | null {
  const { chars, segs } = cmd;
  const idx = lastAtOrBefore(chars.length, (i) => chars[i].at, offset);
  if (idx < 0 || offset >= chars[idx].at + chars[idx].len) return null;
  const si = lastAtOrBefore(segs.length, (i) => segs[i].from, idx);
  if (si < 0 || idx >= Math.max(segs[si].to, segs[si].from + 1)) return null;
  const seg = segs[si];
  const wj = lastAtOrBefore(seg.words.length, (i) => seg.words[i].from, idx);
  const wi = wj >= 0 && idx < seg.words[wj].to ? wj : -1;
  const rawEnd = chars[chars.length - 1].at + chars[chars.length - 1].len;
  const sortedStarts = secretStarts; // ascending, as the scanner returns them
  const holdsSecret = (w: Word) => {
    const from = chars[w.from].at;
    const to = w.to < chars.length ? chars[w.to].at : rawEnd;
    const k = lastAtOrBefore(sortedStarts.length, (i) => sortedStarts[i], to - 1);
    return k >= 0 && sortedStarts[k] >= from;
  };
  const raw = (from: number, to: number): [number, number] => [chars[from].at, to < chars.length ? chars[to].at : rawEnd];
  const result = (cut: Array<[number, number]>): CommandCredential => ({ seq, index, cut, wholeItem: false });
  // A word and the space after it; the last word of a segment takes the space before it instead.
  const cutWord = (k: number, from = k) => seg.words[k + 1] || from === 0
    ? result([raw(seg.words[from].from, seg.words[k + 1] ? seg.words[k + 1].from : seg.to)])
    : result([raw(seg.words[from - 1].to, seg.to)]);

  if (wi >= 0) {
    const words = seg.words;
    const w = words[wi];
    const prev = words[wi - 1];
    // docker `-e NAME=VALUE` / `--env NAME=VALUE` among other options
    if (prev && ENV_FLAG.test(prev.text) && words.length > 2) return cutWord(wi, wi - 1);
    if (/^(?:-e|--env)=/.test(w.text) && words.length > 1) return cutWord(wi);
    // `[env] NAME=VALUE ... cmd`: an env prefix in front of a command
    const first = words[0]?.text === 'env' ? 1 : 0;
    const memo = (seg.memo ??= {
      firstCommand: words.findIndex((x, k) => k >= first && !ASSIGN.test(x.text)),
      setsCredential: setsCredential(words),
    });
    if (ASSIGN.test(w.text) && wi >= first && memo.firstCommand > wi) return cutWord(wi);
    // `export A=1 NAME=VALUE`: keep the other assignments
    if (words[0]?.text === 'export' && ASSIGN.test(w.text)) {
      memo.exportKeepsOthers ??= words.slice(1).some((x) => ASSIGN.test(x.text) && !holdsSecret(x));
      if (memo.exportKeepsOthers) return cutWord(wi);
    }
  }
  if (!(seg.memo?.setsCredential ?? setsCredential(seg.words))) return null;
  // The whole segment sets the credential.
  if (segs.length === 1) return { seq, index, cut: [], wholeItem: true };
  // Dropping a segment from `a || b` or a pipe changes what the rest does: only `&&` and `;` chains.
  const before = si > 0 ? segs[si - 1].sep : '';
  if (![before, seg.sep].every((x) => x === '' || x === '&&' || x === ';' || x === '&')) return null;
  // Removed segments only set or store a credential: each succeeds, like `true`. A run of them
  // between A and C (`A s0 B1 s1 ... Bk sk C`) must leave one separator: s0 unless it is `&&`
  // (`A && true; C` is `A; C`), then the first of s1..sk that is not `&&`. Each segment of the run
  // cuts the separator before it or the one after it so that exactly that one stays; the cuts of
  // several credentials in one command then join without a dangling `&&`.
  const removable = (k: number) => k === si || wholeSegmentCredential(segs[k], holdsSecret);
  let p = si;
  while (p > 0 && removable(p - 1)) p--;
  let q = si;
  while (q < segs.length - 1 && removable(q + 1)) q++;
  const cutBefore = () => result([raw(segs[si - 1].to, seg.to)]);
  const cutAfter = () => result([raw(seg.from, seg.next)]);
  if (p === 0) return cutAfter(); // nothing before the run: it goes with the separators after it
  const s0 = segs[p - 1].sep;
  // The run ends the command: it goes with the separators before it, but not A's own `&`.
  if (q === segs.length - 1) return s0 === '&' ? null : cutBefore();
  if (s0 !== '&&') return cutAfter();
  let m = -1;
  for (let k = p; k <= q && m < 0; k++) if (segs[k].sep !== '&&') m = k;
  return m >= 0 && si <= m ? cutBefore() : cutAfter();
}

// ---------------------------------------------------------------------------------------------
// Literal blocks (`- |`): a small shell script, one command per line.

/** Files whose whole content is credentials: a heredoc writing one goes as a whole. */
const CREDENTIAL_FILE = /(?:^|\/)(?:\.aws\/(?:credentials|config)|\.passwd-s3fs|\.netrc|\.git-credentials|\.s3cfg|\.boto)(?=$|["'\s;&|)])/;
const HEREDOC = /<<-?[ \t]*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/;

interface BlockLine {
  /** Raw offsets of the line's text (without its newline) and of the next line's start. */
  start: number;
  end: number;
  next: number;
  text: string;
}

/** The content lines of a literal block scalar, with raw offsets (indentation included). */
function blockLines(text: string, node: Node): BlockLine[] | null {
  const r = nodeRange(node);
  if (!r) return null;
  const nl = text.indexOf('\n', r[0]);
  if (nl < 0 || nl >= r[1]) return null;
  const out: BlockLine[] = [];
  let at = nl + 1;
  while (at < r[1]) {
    let end = text.indexOf('\n', at);
    if (end < 0 || end > r[1]) end = r[1];
    const next = end < text.length ? end + 1 : end;
    const lineEnd = text[end - 1] === '\r' ? end - 1 : end;
    out.push({ start: at, end: lineEnd, next: Math.min(next, Math.max(r[1], next)), text: text.slice(at, lineEnd) });
    at = next;
  }
  return out;
}

/** The characters of one block line (no escapes in a literal block), leading indentation dropped. */
function lineChars(line: BlockLine): Char[] {
  const out: Char[] = [];
  const lead = line.text.length - line.text.trimStart().length;
  for (let i = lead; i < line.text.length; i++) out.push({ c: line.text[i], at: line.start + i, len: 1 });
  return out;
}

const isCode = (l: BlockLine) => l.text.trim() !== '' && !l.text.trim().startsWith('#');

/**
 * A credential inside a `- |` script: the line that sets or stores it is cut (or the part of it,
 * as for one-line commands); a heredoc writing a credentials file (`cat > ~/.aws/credentials
 * <<EOF ... EOF`) goes from its command line to its terminator. When nothing but comments would
 * be left, the whole item goes. Lines continued with `\` are left to the user.
 */
function blockCredentialAt(
  parsed: ParsedConfig,
  seq: YAMLSeq,
  index: number,
  offset: number,
  secretStarts: readonly number[],
): CommandCredential | null {
  const node = seq.items[index] as Node;
  const lines = blockLines(parsed.text, node);
  if (!lines) return null;
  const li = lines.findIndex((l) => offset >= l.start && offset < l.next);
  if (li < 0) return null;
  if (lines.some((l) => /\\$/.test(l.text))) return null;
  const holdsSecret = (l: BlockLine) => {
    const k = lastAtOrBefore(secretStarts.length, (i) => secretStarts[i], l.next - 1);
    return k >= 0 && secretStarts[k] >= l.start;
  };
  const cutLines = (from: number, to: number): CommandCredential => {
    // Lines holding other credentials go too (their own fixes): they do not keep the item alive.
    const rest = lines.filter((l, k) => (k < from || k > to) && isCode(l) && !holdsSecret(l));
    if (rest.length === 0) return { seq, index, cut: [], wholeItem: true };
    return { seq, index, cut: [[lines[from].start, lines[to].next]], wholeItem: false };
  };
  // Inside a heredoc body?
  for (let k = li - 1; k >= 0; k--) {
    const m = HEREDOC.exec(lines[k].text);
    if (!m) continue;
    const word = m[2];
    const end = lines.findIndex((l, j) => j > k && l.text.trim() === word);
    if (end < li) break; // that heredoc ended before the credential
    const opener = lines[k].text.trim();
    // Only a command that does nothing but write the heredoc to a credentials file goes whole.
    const plain = /^(?:cat|tee)\b[^;&|`$]*$/.test(opener.replace(HEREDOC, '').replace(/\|\s*(?:sudo\s+)?tee\b[^;&|]*$/, ''));
    if (CREDENTIAL_FILE.test(opener) && plain) return cutLines(k, end);
    // A heredoc writing a shell rc file: the body line that sets the credential goes.
    const body = lineChars(lines[li]);
    if (body.length === 0) return null;
    const words = body.map((c) => c.c).join('').trim().split(/\s+/);
    if (words[0] === 'export' || ASSIGN.test(words[0])) {
      const c = credentialInCommand({ chars: body, segs: segments(body) }, seq, index, offset, secretStarts);
      if (c?.wholeItem) return cutLines(li, li);
      return c;
    }
    return null;
  }
  const chars = lineChars(lines[li]);
  if (chars.length === 0) return null;
  const c = credentialInCommand({ chars, segs: segments(chars) }, seq, index, offset, secretStarts);
  if (!c) return null;
  return c.wholeItem ? cutLines(li, li) : c;
}
