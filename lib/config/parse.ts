import { parseDocument, isAlias, isMap, visit, type Document, type ParseOptions, type DocumentOptions, type SchemaOptions, type Tags, type YAMLMap } from 'yaml';
import { LineIndex } from './position';
import { lastAtOrBefore } from '../sorted';

/** A YAML problem, located, with a message that never quotes the source text. */
export interface SyntaxProblem {
  start: number;
  end: number;
  message: string;
}

export interface ParsedConfig {
  text: string;
  lines: LineIndex;
  /** The Document, kept with comments and source ranges. Null only for binary input. */
  doc: Document.Parsed | null;
  /** The root mapping, when the document is one. */
  root: YAMLMap | null;
  problems: SyntaxProblem[];
}

/** At most this many syntax problems are reported for one file. */
const MAX_PROBLEMS = 20;

// Messages per error code of the `yaml` package, in our own words: the package's messages can
// quote source text (an alias name, a tag), and source text can hold a secret.
const MESSAGES: Record<string, string> = {
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  BAD_ALIAS: 'malformed alias',
  BAD_DIRECTIVE: 'malformed directive',
  BAD_DQ_ESCAPE: 'invalid escape in a double-quoted string',
  BAD_INDENT: 'wrong indentation',
  BAD_PROP_ORDER: 'anchor and tag in the wrong order',
  BAD_SCALAR_START: 'a plain value cannot start with this character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a block collection cannot be a mapping key',
  BLOCK_IN_FLOW: 'block collections are not allowed inside flow collections',
  DUPLICATE_KEY: 'duplicate key: each key may appear only once in a mapping',
  IMPOSSIBLE: 'unparsable input',
  KEY_OVER_1024_CHARS: 'an implicit key is longer than 1024 characters',
  MISSING_CHAR: 'a character is missing here (unclosed quote or bracket?)',
  MULTILINE_IMPLICIT_KEY: 'an implicit key must be on a single line',
  MULTIPLE_ANCHORS: 'a node can have only one anchor',
  MULTIPLE_DOCS: 'a Ray config holds a single YAML document',
  MULTIPLE_TAGS: 'a node can have only one tag',
  NON_STRING_KEY: 'mapping keys must be strings',
  TAB_AS_INDENT: 'tabs cannot be used for indentation',
  TAG_RESOLVE_FAILED: 'unresolvable tag',
  UNEXPECTED_TOKEN: 'unexpected token',
  BAD_COLLECTION_TYPE: 'wrong collection type for this tag',
  RESOURCE_EXHAUSTION: 'too deeply nested to read safely',
};

const BINARY = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/;
/** What a decoder puts for bytes that are not UTF-8 (browsers, the CLI): the file is not text. */
const NOT_UTF8 = '\uFFFD';
/** A carriage return not followed by a line feed: old Mac line endings. */
const LONE_CR = /\r(?!\n)/;
/** BINARY, NOT_UTF8 or LONE_CR. */
const NOT_PLAIN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD\uFFFE\uFFFF]|\r(?!\n)/;
const ALIAS_LIKE = /(?:^|[\s[{,:])\*[^\s\]},]/m;

/**
 * PyYAML's implicit types (what Ray's loader reads), where the `yaml` package's YAML 1.1 schema
 * reads more: `y`/`n` are strings to PyYAML, a float needs a dot and a signed exponent (`1e3`,
 * `1.5e3`, `-.5` are strings), decimal ints have no leading zero (`08` is a string), a
 * sexagesimal int starts with 1-9, and a date is written `YYYY-MM-DD`. Otherwise `cluster_name: n` would be "not text" here while Ray
 * takes it as the string "n".
 */
const PYYAML_TESTS: Array<{ tag: string; format?: string; sample: string; test: RegExp }> = [
  { tag: 'tag:yaml.org,2002:bool', sample: 'yes', test: /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/ },
  { tag: 'tag:yaml.org,2002:bool', sample: 'no', test: /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/ },
  { tag: 'tag:yaml.org,2002:int', sample: '10', test: /^[-+]?(?:0|[1-9][0-9_]*)$/ },
  { tag: 'tag:yaml.org,2002:int', format: 'TIME', sample: '1:30', test: /^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$/ },
  { tag: 'tag:yaml.org,2002:float', format: 'EXP', sample: '1.5e+3', test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)[eE][-+][0-9]+$/ },
  { tag: 'tag:yaml.org,2002:float', sample: '1.5', test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/ },
  // A date has two-digit month and day (`2021-1-1` is a string); a time, two-digit minutes and seconds.
  {
    tag: 'tag:yaml.org,2002:timestamp',
    sample: '2001-12-14',
    test: /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)$/,
  },
];

/** The schema hands over a fresh copy of the same tags on every parse: adapt them once. */
let lastTags: { from: Tags; to: Tags } | null = null;

function pyyamlTags(tags: Tags): Tags {
  const last = lastTags;
  if (last && last.from.length === tags.length && last.from.every((t, i) => t === tags[i])) return last.to.slice();
  const to = adaptTags(tags);
  lastTags = { from: tags.slice(), to };
  return to.slice();
}

function adaptTags(tags: Tags): Tags {
  const implicit = tags.map((t) => {
    if (typeof t !== 'object' || !('test' in t) || !t.test) return t;
    const own = t.test;
    const p = PYYAML_TESTS.find((x) => x.tag === t.tag && x.format === t.format && own.test(x.sample));
    return p ? { ...t, test: p.test } : t;
  });
  return [...implicit, EXPLICIT_FLOAT];
}

/**
 * `!!float 1`, `!!float "5"`: PyYAML reads any number written after an explicit float tag (Python's
 * float()), where the implicit pattern needs a dot. The `yaml` package would refuse them (an
 * unresolved tag). Not a default tag: only ever used for an explicit `!!float`.
 */
const EXPLICIT_FLOAT = {
  tag: 'tag:yaml.org,2002:float',
  default: false as const,
  resolve(str: string, onError: (message: string) => void): number | string {
    let v = str.replace(/_/g, '').toLowerCase();
    let sign = 1;
    if (v.startsWith('-')) sign = -1;
    if (v.startsWith('-') || v.startsWith('+')) v = v.slice(1);
    if (v === '.inf') return sign * Infinity;
    if (v === '.nan') return NaN;
    if (/^[0-9]+(?::[0-9]+)*(?::[0-9]+(?:\.[0-9]*)?)$/.test(v) && v.includes(':')) {
      return sign * v.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
    }
    if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?$/.test(v) || /^(?:inf|infinity|nan)$/.test(v)) {
      return v.startsWith('inf') ? sign * Infinity : v === 'nan' ? NaN : sign * Number(v);
    }
    onError('not a number after !!float');
    return str;
  },
};

/** How every Ray config is read: YAML 1.1 with merge keys and PyYAML's implicit types, as Ray loads it. */
export const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  customTags: pyyamlTags,
  prettyErrors: false,
  uniqueKeys: true,
  keepSourceTokens: false,
  strict: true,
};

export function parseConfig(text: string): ParsedConfig {
  const lines = new LineIndex(text);
  // One pass finds whether any of the three refusals below applies (most texts have none).
  if (!NOT_PLAIN_TEXT.test(text)) return parseText(text, lines);
  const bin = BINARY.exec(text);
  if (bin) {
    return {
      text, lines, doc: null, root: null,
      problems: [{ start: bin.index, end: bin.index + 1, message: 'binary content: the file holds control characters that YAML does not allow' }],
    };
  }
  const bad = text.indexOf(NOT_UTF8);
  if (bad >= 0) {
    return {
      text, lines, doc: null, root: null,
      problems: [{ start: bad, end: bad + 1, message: 'the file is not UTF-8 text: bytes here could not be decoded (save it as UTF-8)' }],
    };
  }
  const cr = LONE_CR.exec(text);
  if (cr) {
    return {
      text, lines, doc: null, root: null,
      problems: [{ start: cr.index, end: cr.index + 1, message: 'carriage-return-only line endings (old Mac style): save the file with LF or CRLF line endings' }],
    };
  }
  return parseText(text, lines);
}

function parseText(text: string, lines: LineIndex): ParsedConfig {
  const deep = tooDeep(text, MAX_NESTING);
  if (deep >= 0) {
    return {
      text, lines, doc: null, root: null,
      problems: [{ start: deep, end: deep, message: `nested more than ${MAX_NESTING} levels deep: Ray's loader (PyYAML) gives up at about 450 levels, and no Ray config needs a tenth of that` }],
    };
  }
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, YAML_OPTIONS);
  } catch {
    return { text, lines, doc: null, root: null, problems: [{ start: 0, end: 0, message: 'the YAML could not be read' }] };
  }
  const problems: SyntaxProblem[] = [];
  if (doc.errors.some((e) => e.code === 'RESOURCE_EXHAUSTION')) {
    // Where the parser runs out of stack depends on the stack, not the file: say it once, at the top.
    problems.push({ start: 0, end: 0, message: 'the YAML is nested too deeply to read safely' });
  }
  for (const e of doc.errors) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (e.code === 'RESOURCE_EXHAUSTION') continue;
    const [s, t] = e.pos;
    problems.push({ start: s, end: Math.max(s, t), message: MESSAGES[e.code] ?? `YAML error (${e.code.toLowerCase()})` });
  }
  for (const w of doc.warnings) {
    if (problems.length >= MAX_PROBLEMS) break;
    if (w.code !== 'TAG_RESOLVE_FAILED') continue;
    const [s, t] = w.pos;
    problems.push({ start: s, end: Math.max(s, t), message: 'a tag that Ray\'s loader (PyYAML safe_load) refuses: only standard YAML tags are allowed' });
  }
  // Only a text with something alias-shaped (`*name` after a space, `[`, `{`, `,` or `:`) needs the walk.
  if (problems.length === 0 && ALIAS_LIKE.test(text)) {
    try {
      undefinedAliases(doc, problems);
    } catch {
      problems.push({ start: 0, end: 0, message: 'the YAML is nested too deeply to read safely' });
    }
  }
  if (problems.length === 0 && text.includes('\t')) {
    const tab = tabPyYamlRefuses(doc, text);
    if (tab >= 0) {
      problems.push({ start: tab, end: tab + 1, message: 'a tab character where Ray\'s loader (PyYAML) refuses it: tabs are accepted only inside quotes, block scalars and comments; use spaces' });
    }
  }
  let root: YAMLMap | null = null;
  if (problems.length === 0) {
    if (isMap(doc.contents)) root = doc.contents;
    else {
      const c = doc.contents as { range?: [number, number, number] } | null;
      const start = c?.range ? c.range[0] : 0;
      const what = doc.contents === null || (c && (c as { value?: unknown }).value === null)
        ? 'the file is empty or holds only comments'
        : 'the top level is not a mapping';
      problems.push({ start, end: start, message: `${what}: a Ray config is a mapping with cluster_name, provider and available_node_types` });
    }
  }
  return { text, lines, doc, root, problems };
}

/**
 * Texts nested deeper than this are refused before parsing. The parser recurses once per level:
 * near the stack's end it stops (RESOURCE_EXHAUSTION), but V8 compiling a regular expression that
 * deep can abort the whole process ("RegExpCompiler Allocation failed"), so the parser is never
 * taken there.
 */
export const MAX_NESTING = 256;

const isSpace = (c: number) => c === 32 || c === 9;
/** Characters after which `[`, `{`, a quote or `#` start something new (not inside a plain word). */
const isBreak = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 91 || c === 123 || c === 44 || c === 58 || c === -1;

/**
 * The offset where the nesting of `text` first goes beyond `limit` levels, or -1. An upper
 * estimate from one pass, without parsing: block levels (a stack of indentations, plus `- `
 * entries opened on one line), flow levels (`[`, `{` outside quotes and comments) together.
 * Block scalar (`|`, `>`) content is skipped.
 */
export function tooDeep(text: string, limit: number): number {
  if (text.length <= limit) return -1; // every level takes at least one character
  // Each level needs a line, an entry indicator or a bracket: few of those, no deep nesting.
  let bound = 0;
  for (const mark of ['\n', '[', '{', '- ', '-\t', '? ', '?\t']) {
    for (let at = text.indexOf(mark); at >= 0 && bound <= limit; at = text.indexOf(mark, at + 1)) bound++;
  }
  if (bound < limit) return -1;
  const indents: number[] = [];
  let flow = 0;
  let quote = 0; // 34 ("), 39 ('), or 0
  let scalarParent = -1; // indentation of the line that opened a block scalar, -1 when none
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let i = pos;
    while (i < eol && text.charCodeAt(i) === 32) i++;
    const indent = i - pos;
    const blank = i >= eol || text.charCodeAt(i) === 13 || text.charCodeAt(i) === 35;
    if (scalarParent >= 0 && (blank || indent > scalarParent)) {
      pos = eol + 1;
      continue;
    }
    scalarParent = -1;
    if (blank && quote === 0) {
      pos = eol + 1;
      continue;
    }
    let depth = 0;
    if (flow === 0 && quote === 0) {
      while (indents.length && indents[indents.length - 1] > indent) indents.pop();
      if (!indents.length || indents[indents.length - 1] < indent) indents.push(indent);
      // `- - - x`: each entry indicator opens a level.
      while (i + 1 < eol && (text.charCodeAt(i) === 45 || text.charCodeAt(i) === 63) && isSpace(text.charCodeAt(i + 1))) {
        depth++;
        i += 2;
        while (i < eol && isSpace(text.charCodeAt(i))) i++;
      }
    }
    const base = indents.length + depth;
    if (base + flow > limit) return pos + indent;
    let last = -1;
    // In block context a plain scalar runs to `: ` or ` #`: brackets in it are text.
    let plain = false;
    for (; i < eol; i++) {
      const c = text.charCodeAt(i);
      const prev = i > pos ? text.charCodeAt(i - 1) : -1;
      if (!isSpace(c) && c !== 13) last = c;
      if (quote === 34) {
        if (c === 92) i++;
        else if (c === 34) quote = 0;
        continue;
      }
      if (quote === 39) {
        if (c === 39) {
          if (text.charCodeAt(i + 1) === 39) i++;
          else quote = 0;
        }
        continue;
      }
      if (c === 35 && (prev === -1 || isSpace(prev))) break;
      const flowIndicator = c === 44 || c === 91 || c === 93 || c === 123 || c === 125;
      if (plain) {
        // A plain scalar ends at `: `, and in a flow collection at `,` `[` `]` `{` `}` as well;
        // quotes and brackets inside it are text.
        const next = i + 1 < eol ? text.charCodeAt(i + 1) : -1;
        if (flow > 0 && flowIndicator) plain = false;
        else {
          if (c === 58 && (next === -1 || isSpace(next) || next === 13 || (flow > 0 && (next === 44 || next === 93 || next === 125)))) plain = false;
          continue;
        }
      }
      if ((c === 34 || c === 39) && isBreak(prev)) quote = c;
      else if ((c === 91 || c === 123) && (flow > 0 || isBreak(prev))) {
        flow++;
        if (base + flow > limit) return i;
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
      else if (!isSpace(c) && c !== 13 && c !== 58 && !(flow > 0 && c === 44)) plain = true;
    }
    // `key: |`, `- >-`: the lines below that are indented more are the scalar's text.
    if (flow === 0 && quote === 0 && last >= 0) {
      const line = text.slice(pos, eol).replace(/\s+#.*$/, '').trimEnd();
      if (/(?:^|[\s:-])[|>][-+0-9]*$/.test(line)) scalarParent = indent;
    }
    pos = eol + 1;
  }
  return -1;
}

/**
 * Aliases to an anchor not defined before them, in one walk (the `yaml` package's Alias.resolve
 * walks the whole document for each alias). Document order is source order: the last anchor of
 * that name before the alias is its target, as in the package.
 */
function undefinedAliases(doc: Document.Parsed, problems: SyntaxProblem[]): void {
  const anchors = new Set<string>();
  visit(doc, {
    Node(_k, node) {
      if (isAlias(node)) {
        if (!anchors.has(node.source)) {
          const r = node.range ?? [0, 0];
          problems.push({ start: r[0], end: r[1], message: 'alias to an anchor that is not defined before it' });
          if (problems.length >= MAX_PROBLEMS) return visit.BREAK;
        }
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
      return undefined;
    },
  });
}

/**
 * The first tab that PyYAML would stop on: one outside quoted scalars, block scalars (`|`, `>`)
 * and comments. The `yaml` package accepts more than PyYAML here, and Ray loads with PyYAML.
 */
function tabPyYamlRefuses(doc: Document.Parsed, text: string): number {
  const spans: Array<[number, number]> = [];
  try {
    visit(doc, {
      Scalar(_k, node) {
        if (node.type !== 'PLAIN' && node.range) spans.push([node.range[0], node.range[1]]);
      },
    });
  } catch {
    return -1;
  }
  spans.sort((a, b) => a[0] - b[0]);
  const inside = (pos: number) => {
    const k = lastAtOrBefore(spans.length, (i) => spans[i][0], pos);
    return k >= 0 && pos < spans[k][1];
  };
  for (let t = text.indexOf('\t'); t >= 0; t = text.indexOf('\t', t + 1)) {
    if (inside(t)) continue;
    const lineStart = text.lastIndexOf('\n', t - 1) + 1;
    let comment = false;
    for (let p = lineStart; p < t; p++) {
      if (text[p] === '#' && (p === lineStart || text[p - 1] === ' ' || text[p - 1] === '\t') && !inside(p)) {
        comment = true;
        break;
      }
    }
    if (!comment) return t;
  }
  return -1;
}
